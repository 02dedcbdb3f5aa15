mkvm a; echo hello > defs/a/vmlinux
