mkvm a; rm -r defs/a/blk
