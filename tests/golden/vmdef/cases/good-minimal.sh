mkvm a
