mkvm a; mkvm net; provide a net; : > defs/a/providers/net/.keep
