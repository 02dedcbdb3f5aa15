mkvm -a
