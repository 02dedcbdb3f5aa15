mkvm a; mkdir defs/a/limits; echo 15 > defs/a/limits/pids
