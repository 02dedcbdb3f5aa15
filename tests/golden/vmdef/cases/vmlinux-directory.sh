mkvm a; rm defs/a/vmlinux; mkdir defs/a/vmlinux
