mkvm a; echo "pci 0000:03:00.0" > defs/a/upstream
