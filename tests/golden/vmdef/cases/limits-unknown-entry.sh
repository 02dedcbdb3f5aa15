mkvm a; mkdir defs/a/limits; echo 512 > defs/a/limits/memroy
