mkvm a,b
