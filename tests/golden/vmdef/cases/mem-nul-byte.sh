mkvm a; printf "256\0junk" > defs/a/mem
