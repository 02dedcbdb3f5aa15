mkvm a; ARG=defs/a
