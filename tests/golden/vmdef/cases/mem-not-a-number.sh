mkvm a; echo lots > defs/a/mem
