mkvm a; mkdir defs/a/limits; printf '%s\n' -5 > defs/a/limits/cpu-weight
