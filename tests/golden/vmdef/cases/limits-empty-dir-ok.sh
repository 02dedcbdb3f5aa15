mkvm a; mkdir defs/a/limits
