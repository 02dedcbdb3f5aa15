mkvm a; head -c 1025 /dev/zero | tr "\0" x > defs/a/cmdline
