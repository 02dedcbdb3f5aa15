mkvm a; echo 256 > defs/a/mem; chmod 000 defs/a/mem; RUNAS=nobody
