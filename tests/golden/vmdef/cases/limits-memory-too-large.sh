mkvm a; mkdir defs/a/limits; echo 1048577 > defs/a/limits/memory
