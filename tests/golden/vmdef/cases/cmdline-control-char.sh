mkvm a; printf "quiet\033[2J\n" > defs/a/cmdline
