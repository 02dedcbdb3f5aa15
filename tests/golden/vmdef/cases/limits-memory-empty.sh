mkvm a; mkdir defs/a/limits; : > defs/a/limits/memory
