mkvm a; : > defs/a/vmlinux
