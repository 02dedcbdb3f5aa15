mkvm a; mkdir defs/a/limits; echo 71 > defs/a/limits/memory
