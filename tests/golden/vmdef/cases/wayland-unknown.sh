mkvm a; echo vsock > defs/a/wayland
