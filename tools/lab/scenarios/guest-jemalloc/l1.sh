# jemalloc's percpu_arena:pnode on live pnodes, checked against where L1
# keeps L2's vCPUs and memory.
#  - In L1, whose kernel has XPV's guest side but is no XPV guest, the
#    option is percpu_arena:phycpu; with abort_conf it stops, saying why.
#  - L2 runs with kvm-xpv=on, its RAM preallocated on L1 node 0, vCPU 0
#    on node 0 and vCPU 1 on node 1; once L2 is up, L1 moves every other
#    2 MiB chunk of its RAM to node 1.  In L2 (l2.sh) jemalloc's own unit
#    test of the option passes, and without the option the patched
#    jemalloc prints Debian's statistics.
#  - A thread pinned to vCPU 0 allocates 64 MiB in 64-byte objects: every
#    page on node 0.  L1 moves vCPU 0 to node 1; the thread frees them
#    and allocates 64 MiB more: 95% of the pages or more on node 1, and
#    jemalloc's statistics show the rebind and the arena of each pnode.
#    L2 counts all the pages by pnode as it sees them (l2.sh); L1 checks
#    an evenly spread sample of up to 512 of them (the pages are
#    scattered: a line each on L2's UART would be 16384 lines) against
#    where it keeps them, and that sample's share on the node.
. ./unit.sh	# J, unit_test
lab_check "L1 (no XPV guest): percpu_arena:pnode is percpu_arena:phycpu" \
	sh -c "LD_PRELOAD=$J/libjemalloc.so.2 MALLOC_CONF=percpu_arena:pnode \
		$J/xpv-jemfollow opt | tee /tmp/opt.out; grep -qx 'jemalloc: percpu_arena phycpu' /tmp/opt.out"
lab_check "L1: with abort_conf, percpu_arena:pnode stops, saying XPV is not active" \
	sh -c "! LD_PRELOAD=$J/libjemalloc.so.2 MALLOC_CONF=percpu_arena:pnode,abort_conf:true \
		$J/xpv-jemfollow opt >/tmp/abort.out 2>&1; cat /tmp/abort.out;
		grep -q 'percpu_arena:pnode: XPV is not active' /tmp/abort.out"
lab_check "L1: jemalloc's unit test of the option (test/unit/pnode): its no-XPV test passes" \
	unit_test test_pnode_none

lab_l2_start_striped "XPVSYNC jemalloc waiting"

lab_l2_look_share jem 1 0 100 "the pnode of vCPU 0, where the thread runs"
lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
lab_l2_look_share jem 2 1 95 "where L1 moved vCPU 0 and the thread with it"
lab_check "move vCPU 0 (thread $t0) back to CPU $n0 on node 0: L1 is done looking" \
	taskset -p -c "$n0" "$t0"
lab_check "L2 ran to completion" lab_l2_done
