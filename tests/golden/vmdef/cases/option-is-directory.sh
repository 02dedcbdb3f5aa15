mkvm a; mkdir defs/a/cpus
