mkvm a; rm defs/a/vmlinux; mkfifo defs/a/vmlinux
