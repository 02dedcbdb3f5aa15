mkvm "a b"
