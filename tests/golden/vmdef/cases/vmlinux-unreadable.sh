mkvm a; chmod 000 defs/a/vmlinux; RUNAS=nobody
