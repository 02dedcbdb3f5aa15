mkvm a; mkdir defs/a/limits; echo 72 > defs/a/limits/memory; echo 1 > defs/a/limits/cpu-weight; echo 16 > defs/a/limits/pids
