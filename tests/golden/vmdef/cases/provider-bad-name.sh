mkvm a; provide a "x,y"
