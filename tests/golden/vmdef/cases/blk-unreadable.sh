mkvm a; chmod 000 defs/a/blk; RUNAS=nobody
