mkvm a; mkdir defs/a/limits; echo 512 > defs/a/limits/memory; : > defs/a/limits/zz; mkdir defs/a/limits/Memory; : > defs/a/limits/cpu
