mkvm a; mkdir defs/a/limits; chmod 000 defs/a/limits; RUNAS=nobody
