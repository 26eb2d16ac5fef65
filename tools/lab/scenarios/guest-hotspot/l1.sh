# HotSpot on live pnodes: the patched libjvm.so (patches/openjdk) with
# Debian's class library and launcher, in a Debian L2, checked against
# where L1 keeps L2's vCPUs and memory.
#  - L2 runs with kvm-xpv=on, its RAM preallocated on L1 node 0, vCPU 0
#    on node 0 and vCPU 1 on node 1; once L2 is up, L1 moves every other
#    2 MiB chunk of its RAM to node 1, so that both pnodes have memory.
#  - In L2 (l2.sh) a JVM with ParallelGC and UseNUMA on the patched
#    libnuma runs two allocating threads, xpv-alloc-0 pinned to vCPU 0
#    and xpv-alloc-1 to vCPU 1.  Its eden has a space per pnode, each
#    bound to its pnode: L2 lists the pages of each, 95% or more on its
#    node.
#  - L1 moves vCPU 0 to node 1: both threads are on node 1.  At its next
#    collection the JVM sees the topology version move, rebuilds its CPU
#    to node map and lays its eden out again; both threads allocate in
#    the space of node 1: 95% or more of the eden's pages on node 1.
#  - The same with Debian's libjvm.so, the control: its map is the one of
#    the start, xpv-alloc-0 goes on allocating in the space of node 0,
#    and the eden has under 95% of its pages on node 1 (l2.sh checks it;
#    here the share is printed).
#  Each listing is a sample of up to 1024 pages that L1 checks page by
#  page with L2 paused.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"
lab_l2_start_apart -mem-prealloc
lab_check "L2 waits for its memory to be spread" \
	lab_l2_wait_line 300 '^XPVSYNC hotspot waiting'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1

# follow TAG MIN WHY: the spaces of the JVM TAG on their pnodes, then,
# after L1 moved vCPU 0 to node 1, MIN% or more of its eden there, WHY.
follow() {
	lab_l2_look_share "$1" 1 0 95 "the eden's space of pnode 0"
	lab_l2_look_share "$1" 2 1 95 "the eden's space of pnode 1"
	lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
	lab_l2_look_share "$1" 3 1 "$2" "$3"
	lab_check "move vCPU 0 (thread $t0) back to CPU $n0 on node 0" \
		taskset -p -c "$n0" "$t0"
}
follow xpv 95 "where both threads now are: the patched HotSpot gives both the space of pnode 1"
follow debian 0 "printed: Debian's HotSpot keeps xpv-alloc-0 in the space of pnode 0"
lab_check "L2 ran to completion" lab_l2_done
