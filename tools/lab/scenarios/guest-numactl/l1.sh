# numactl and libnuma on live pnodes, checked against where L1 keeps
# L2's vCPUs and memory.  L2 runs with kvm-xpv=on, its RAM preallocated
# on L1 node 0, vCPU 0 on node 0 and vCPU 1 on node 1; once L2 is up, L1
# moves every other 2 MiB chunk of its RAM to node 1.  L2 then checks
# numactl --hardware and --cpunodebind against its pnodes (l2.sh), and:
#  - numactl --membind=1 runs a program that touches 64 MiB: every page
#    must be on node 1 by L1's move_pages();
#  - L1 swaps the nodes of L2's vCPUs: a running libnuma program that
#    waits on numa_topology_changed() must see vCPU 0 on node 1 now;
#  - numa_alloc_onnode(64 MiB, 0) on vCPU 0 (node 1 now): every page on
#    node 0 by L1.
# L2 keeps each buffer until the topology changes: L1 says it is done
# looking by moving a vCPU.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_l2_start_apart -mem-prealloc
lab_check "L2 waits for its memory to be spread" \
	lab_l2_wait_line 300 '^XPVSYNC numactl waiting'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1

lab_l2_look membind 1 1 16384 "as numactl --membind=1 asked"
lab_check "swap L2's vCPU nodes: vCPU 0 (thread $t0) to CPU $n1 on node 1" \
	taskset -p -c "$n1" "$t0"
lab_check "swap L2's vCPU nodes: vCPU 1 (thread $t1) to CPU $n0 on node 0" \
	taskset -p -c "$n0" "$t1"
lab_l2_look onnode 1 0 16384 "as numa_alloc_onnode(64 MiB, 0) asked, from vCPU 0 on pnode 1"
lab_check "move vCPU 0 (thread $t0) back to CPU $n0 on node 0: L1 is done looking" \
	taskset -p -c "$n0" "$t0"
lab_check "L2 ran to completion" lab_l2_done
