mkvm net; mkvm a; provide a net; echo microvm > defs/net/machine
