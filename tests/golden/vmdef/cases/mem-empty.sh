mkvm a; : > defs/a/mem
