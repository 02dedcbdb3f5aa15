mkvm a; mkdir defs/a/limits; mkfifo defs/a/limits/pids
