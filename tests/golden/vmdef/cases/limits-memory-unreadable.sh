mkvm a; mkdir defs/a/limits; echo 512 > defs/a/limits/memory; chmod 000 defs/a/limits/memory; RUNAS=nobody
