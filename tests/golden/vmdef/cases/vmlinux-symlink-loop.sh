mkvm a; rm defs/a/vmlinux; ln -s vmlinux defs/a/vmlinux
