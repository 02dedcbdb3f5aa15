mkvm a; mkvm b; mkvm c; provide a b; provide b c; provide c a
