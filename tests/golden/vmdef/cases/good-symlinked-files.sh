mkvm a; mv defs/a/vmlinux k; ln -s ../../k defs/a/vmlinux
