# Replaced by --l2-script.
lab_diag "no --l2-script given: nothing to run in L2"
