# Benchmark: jemalloc's allocation throughput with percpu_arena:pnode
# against percpu_arena:phycpu, in an XPV L2 (vCPU 0 on L1 node 0, vCPU 1
# on node 1).
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
lab_l2_start_apart
lab_check "L2 ran the benchmark" lab_l2_wait
