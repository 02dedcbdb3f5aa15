mkvm good; mkvm bad1; rm defs/bad1/vmlinux; mkvm bad2; : > defs/bad2/blk/root.img
