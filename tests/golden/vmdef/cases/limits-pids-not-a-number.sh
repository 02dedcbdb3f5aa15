mkvm a; mkdir defs/a/limits; echo ' 64' > defs/a/limits/pids
