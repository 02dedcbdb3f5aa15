mkvm a; : > defs/a/upstream
