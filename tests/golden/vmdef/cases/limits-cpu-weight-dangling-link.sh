mkvm a; mkdir defs/a/limits; ln -s nowhere defs/a/limits/cpu-weight
