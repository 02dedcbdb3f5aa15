mkvm a; mkdir defs/a/limits; echo 4097 > defs/a/limits/pids
