mkvm a; echo 512 > defs/a/limits
