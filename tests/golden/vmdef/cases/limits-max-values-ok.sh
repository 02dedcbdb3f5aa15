mkvm a; mkdir defs/a/limits; echo 1048576 > defs/a/limits/memory; echo 10000 > defs/a/limits/cpu-weight; echo 4096 > defs/a/limits/pids
