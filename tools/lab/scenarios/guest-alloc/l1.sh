# The page allocator on live pnodes, checked against where L1 really
# keeps L2's pages.  L2 runs with kvm-xpv=on, its RAM preallocated on L1
# node 0; once it is up L1 moves every other 2 MiB chunk of that RAM to
# node 1, so L2's free memory lies on both pnodes.  vCPU 0 runs on node 0.
# The guest selftest xpv_alloc_test, pinned to vCPU 0, touches 64 MiB:
# every page must be on pnode 0, by L2's get_mempolicy(MPOL_F_PNODE) and
# by L1's move_pages(2).  Then L1 moves vCPU 0 to node 1, and 64 MiB
# more must all be on node 1.  Then xpv_policy_test, on vCPU 0 (node
# 1 now): 64 MiB bound to pnode 0, the same moved to pnode 1 with
# move_pages(2), 16 MiB moved to pnode 0 by mbind(MPOL_MF_MOVE); L1
# checks each against where it keeps them.  L2 is paused while L1 looks.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_l2_start_apart -mem-prealloc
lab_check "L2 waits for its memory to be spread" \
	lab_l2_wait_line 300 '^XPVSYNC alloc waiting'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1

lab_l2_look alloc 1 0 16384 "the node of vCPU 0's thread"
lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
lab_l2_look alloc 2 1 16384 "the node of vCPU 0's thread"
# xpv_policy_test, on vCPU 0 (now node 1): bound to pnode 0, moved to 1,
# moved to 0 by mbind()
lab_l2_look policy 1 0 16384 "as mbind(MPOL_BIND | MPOL_F_PNODES, {0}) asked"
lab_l2_look policy 2 1 16384 "where move_pages(MPOL_MF_PNODES) moved it"
lab_l2_look policy 3 0 4096 "where mbind(MPOL_MF_MOVE) moved it"
# L2 keeps its memory until L1 is done looking: L1 says so by moving
# vCPU 0 back to node 0.
lab_check "L2 is done with its policies" \
	lab_l2_wait_line 300 "^XPVSYNC policy done"
lab_check "move vCPU 0 (thread $t0) back to CPU $n0 on node 0" taskset -p -c "$n0" "$t0"
lab_check "L2 ran to completion" lab_l2_done
