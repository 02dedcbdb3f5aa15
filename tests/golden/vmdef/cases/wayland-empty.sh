mkvm a; : > defs/a/wayland
