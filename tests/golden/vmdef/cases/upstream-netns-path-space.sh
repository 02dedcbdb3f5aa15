mkvm a; echo "netns /run/netns/x y inet0" > defs/a/upstream
