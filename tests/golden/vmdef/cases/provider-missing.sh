mkvm a; provide a nope
