mkvm .a
