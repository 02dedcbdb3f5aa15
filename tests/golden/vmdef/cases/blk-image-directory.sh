mkvm a; rm defs/a/blk/root.img; mkdir defs/a/blk/root.img
