mkvm a; mkdir defs/a/limits; printf '512\0junk' > defs/a/limits/memory
