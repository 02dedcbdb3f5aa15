mkvm a; ln -s nowhere defs/a/limits
