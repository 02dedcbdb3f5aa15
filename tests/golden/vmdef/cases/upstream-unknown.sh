mkvm a; echo tap0 > defs/a/upstream
