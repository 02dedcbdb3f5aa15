mkvm a; mkdir defs/a/limits; echo lots > defs/a/limits/memory; : > defs/a/limits/swap
