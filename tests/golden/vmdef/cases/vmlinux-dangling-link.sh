mkvm a; rm defs/a/vmlinux; ln -s nowhere defs/a/vmlinux
