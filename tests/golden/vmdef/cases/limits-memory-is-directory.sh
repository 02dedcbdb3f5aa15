mkvm a; mkdir defs/a/limits; mkdir defs/a/limits/memory
