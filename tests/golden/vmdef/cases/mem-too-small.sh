mkvm a; echo 64 > defs/a/mem
