mkvm a; mkdir defs/a/limits; echo lots > defs/a/limits/memory; echo 'netns relative br0' > defs/a/upstream
