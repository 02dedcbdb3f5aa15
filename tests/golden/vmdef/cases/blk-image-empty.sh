mkvm a; : > defs/a/blk/root.img
