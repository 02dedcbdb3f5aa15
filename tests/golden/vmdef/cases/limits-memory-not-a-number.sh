mkvm a; mkdir defs/a/limits; echo 2G > defs/a/limits/memory
