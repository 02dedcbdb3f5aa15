mkvm a; provide a a
