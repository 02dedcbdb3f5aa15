mkvm a; rm -r defs/a/blk; echo x > defs/a/blk
