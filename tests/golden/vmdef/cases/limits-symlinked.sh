mkvm a; mkdir lims; echo 2048 > lims/memory; echo 300 > weight; ln -s ../weight lims/cpu-weight; ln -s ../../lims defs/a/limits
