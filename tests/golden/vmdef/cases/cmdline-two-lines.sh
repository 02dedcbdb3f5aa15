mkvm a; printf "quiet\nsingle\n" > defs/a/cmdline
