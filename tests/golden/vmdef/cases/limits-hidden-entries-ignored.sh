mkvm a; mkdir defs/a/limits; : > defs/a/limits/.keep; mkdir defs/a/limits/.git; echo 100 > defs/a/limits/.memory.swp
