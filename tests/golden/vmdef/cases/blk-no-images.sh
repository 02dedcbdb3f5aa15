mkvm a; rm defs/a/blk/root.img; echo x > defs/a/blk/root.raw; echo x > defs/a/blk/.hidden.img
