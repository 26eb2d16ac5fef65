# Benchmark: the XPV vDSO read against a system call, in L2.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
lab_l2_start
lab_check "L2 ran the benchmark" lab_l2_wait
