mkvm a; rm defs/a/vmlinux
