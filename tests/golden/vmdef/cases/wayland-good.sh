mkvm a; echo waypipe > defs/a/wayland
