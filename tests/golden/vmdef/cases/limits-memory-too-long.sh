mkvm a; mkdir defs/a/limits; printf '%031d' 512 > defs/a/limits/memory
