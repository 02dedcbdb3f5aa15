mkvm a; : > defs/a/initramfs
