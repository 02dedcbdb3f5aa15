mkvm a; mkdir defs/a/limits; echo > defs/a/limits/memory
