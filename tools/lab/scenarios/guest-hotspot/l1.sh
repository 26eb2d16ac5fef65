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
#    collection the JVM sees the topology version move and rebuilds its
#    CPU to node map; a vCPU move needs no new layout (each space stays
#    bound to its pnode), and both threads now allocate in the space of
#    pnode 1: nothing allocates in pnode 0's any more, and the space of
#    pnode 1 has 95% or more of its pages on node 1.
#  - The same with Debian's libjvm.so, the control: its map is the one of
#    the start, and xpv-alloc-0 goes on allocating in the space of pnode
#    0 (l2.sh checks both by the eden's print at the last collections).
#  - A pnode the heap loses and gets back: L1 moves all of L2's memory to
#    node 1; the patched VM lays its eden out again with one space, of
#    pnode 1, all its pages there; L1 moves every other chunk back to
#    node 0, and the VM lays it out with two spaces again.  (L1's
#    khugepaged can bring a few MiB back to node 0 before: QEMU's policy
#    binds L2's RAM there; L2 waits for a third, which is the stripe.)
#  Each listing is a sample of up to 1024 pages that L1 checks page by
#  page with L2 paused.
lab_l2_start_striped "XPVSYNC hotspot waiting"

# follow TAG WHY: the spaces of the JVM TAG's eden on their pnodes,
# before and after L1 moved vCPU 0 to node 1 (WHY: what L2 checks then).
follow() {
	lab_l2_look_share "$1" 1 0 95 "the eden's space of pnode 0"
	lab_l2_look_share "$1" 2 1 95 "the eden's space of pnode 1"
	lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
	lab_l2_look_share "$1" 3 1 95 "$2"
	lab_check "move vCPU 0 (thread $t0) back to CPU $n0 on node 0" \
		taskset -p -c "$n0" "$t0"
}
follow xpv "the space of pnode 1, where both threads now allocate (L2 checks that nothing allocates in pnode 0's)"
follow debian "the space of pnode 1 (L2 checks that Debian's HotSpot keeps xpv-alloc-0 in pnode 0's)"
# A pnode the heap loses and gets back (l2.sh): all of L2's memory to
# node 1, the eden then on node 1; every other 2 MiB chunk back to node 0.
lab_check "L2 asks for its memory on node 1" lab_l2_wait_line 900 '^XPVSYNC hotspot memory'
lab_check "migratepages: all of L2's memory to node 1" migratepages "$(lab_l2_pid)" 0 1
lab_l2_look_share nodes 1 1 95 "the eden once pnode 0 lost its memory: one space, of pnode 1"
lab_check "L2 asks for half of its memory back on node 0" lab_l2_wait_line 900 '^XPVSYNC hotspot stripe'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 0" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 0
lab_check "L2 ran to completion" lab_l2_done
