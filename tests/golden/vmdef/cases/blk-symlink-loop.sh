mkvm a; rm -r defs/a/blk; ln -s blk defs/a/blk
