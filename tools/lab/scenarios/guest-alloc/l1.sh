# The page allocator on live pnodes, checked against where L1 really
# keeps L2's pages.  L2 runs with kvm-xpv=on, its RAM preallocated on L1
# node 0; once it is up L1 moves every other 2 MiB chunk of that RAM to
# node 1, so L2's free memory lies on both pnodes.  vCPU 0 runs on node 0.
# The guest selftest xpv_alloc_test, pinned to vCPU 0, touches 64 MiB:
# every page must be on pnode 0, by L2's get_mempolicy(MPOL_F_PNODE) and
# by L1's move_pages(2).  Then L1 moves vCPU 0 to node 1, and 64 MiB
# more must all be on node 1.  L2 is paused while L1 looks.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_l2_start_apart -mem-prealloc
lab_check "L2 waits for its memory to be spread" \
	lab_l2_wait_line 300 '^XPVSYNC alloc waiting'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1

# section N: the XPVPAGES lines L2 printed for its allocation N.
section() {
	tr -d '\r' </tmp/l2.log |
		awk -v n="$1" '/XPVSYNC alloc [0-9] listed/ { k++; next }
			k == n - 1 && /XPVPAGES /'
}
# look N NODE: L2 listed allocation N on pnode NODE; L1 checks its pages.
look() {
	lab_check "L2 listed the pages of allocation $1" \
		lab_l2_wait_line 300 "^XPVSYNC alloc $1 listed"
	lab_check "L2 says allocation $1 is on pnode $2, the node of vCPU 0's thread" \
		grep -q "^XPVSYNC alloc $1 listed pnode=$2" /tmp/l2.log
	lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
	section "$1" >/tmp/alloc"$1".pages
	lab_check "all 16384 pages of allocation $1 are on node $2, by L1's move_pages()" \
		sh -c "xpv-pagecheck check $(lab_l2_pid) 16384 1 </tmp/alloc$1.pages"
	lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
}

look 1 0
lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
look 2 1
lab_check "L2 ran to completion" lab_l2_done
