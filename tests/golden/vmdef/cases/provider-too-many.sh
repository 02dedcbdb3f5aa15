mkvm a; for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17; do mkvm p$i; provide a p$i; done
