mkvm a:b
