ARG=defs/nothing
