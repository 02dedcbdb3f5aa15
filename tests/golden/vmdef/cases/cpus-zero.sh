mkvm a; echo 0 > defs/a/cpus
