mkvm a; echo "netns run/netns/x inet0" > defs/a/upstream
