mkvm a; echo "netns /run/netns/x" > defs/a/upstream
