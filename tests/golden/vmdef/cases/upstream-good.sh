mkvm a; echo q35 > defs/a/machine; echo "pci 0000:03:00.0" > defs/a/upstream
mkvm b; echo "netns /run/netns/septa-inet inet0" > defs/b/upstream
mkvm c; echo user > defs/c/upstream
