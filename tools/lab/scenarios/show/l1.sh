# `make lab` without a terminal: print what the interactive lab shows.
lab_diag "L1 NUMA topology:"
numactl -H | sed "s/^/XPVLAB # L1:   /"
lab_l2_start
lab_check "L2 ran under KVM in L1" lab_l2_wait
