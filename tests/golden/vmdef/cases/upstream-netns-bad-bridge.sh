mkvm a; echo "netns /run/netns/x in/et0" > defs/a/upstream
