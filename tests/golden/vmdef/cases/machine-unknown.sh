mkvm a; echo pc > defs/a/machine
