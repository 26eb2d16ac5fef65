# numactl's own test suite (make check's TESTS) in an XPV L2, on live
# pnodes: the suite the build runs on this one-node machine, where the
# tests that need two nodes skip, runs here where they cannot.  L2 has a
# Debian root (the tests are bash scripts that use taskset and GNU grep),
# kvm-xpv=on, its RAM preallocated on L1 node 0, then every other 2 MiB
# chunk of it moved to node 1, vCPU 0 on node 0 and vCPU 1 on node 1: two
# pnodes with CPUs and memory.  l2.sh runs each test, on pnodes and then
# (the switch's tests) with NUMA_XPV=0 on the guest's own node.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_l2_start_apart -mem-prealloc
lab_check "L2 waits for its memory to be spread" \
	lab_l2_wait_line 300 '^XPVSYNC suite waiting'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1
lab_check "L2 ran numactl's test suite to its end" lab_l2_done
