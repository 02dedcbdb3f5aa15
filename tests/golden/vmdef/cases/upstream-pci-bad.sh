mkvm a; echo q35 > defs/a/machine; echo "pci 0000:03:00" > defs/a/upstream
