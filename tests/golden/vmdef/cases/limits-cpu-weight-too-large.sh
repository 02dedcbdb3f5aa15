mkvm a; mkdir defs/a/limits; echo 10001 > defs/a/limits/cpu-weight
