mkvm a; dd if=/dev/zero of=defs/a/vmlinux bs=1024 count=1 2>/dev/null; printf HdrS | dd of=defs/a/vmlinux bs=1 seek=514 conv=notrunc 2>/dev/null
