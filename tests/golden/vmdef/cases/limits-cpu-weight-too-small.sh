mkvm a; mkdir defs/a/limits; echo 0 > defs/a/limits/cpu-weight
