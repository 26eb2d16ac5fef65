# The pnode of each guest page, as L2 reads it (get_mempolicy() with
# MPOL_F_PNODE), against where L1 really keeps the page.  L2 runs with
# kvm-xpv=on and its memory bound to L1 node 0; the XPV guest selftest
# xpv_pages_test touches 64 MiB in L2; L1 then moves every other 2 MiB
# chunk of L2's RAM to node 1, so those pages lie on both pnodes; L2
# lists each page's pnode by guest page frame, and L1 looks every one of
# them up in QEMU's memory with move_pages(2), with L2 paused.  No page
# may be off.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_l2_start -name l2,debug-threads=on
lab_check "L2 touched its pages" lab_l2_wait_line 300 '^XPVSYNC pages touched'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1
lab_check "L2 listed its pages" lab_l2_wait_line 300 '^XPVSYNC pages ready'
ranges=$(grep -c '^XPVPAGES ' /tmp/l2.out)
lab_diag "L2 listed its pages in $ranges frame ranges"
# L2 holds still while L1 looks: paused, nothing of it can move.
lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
check() {
	tr -d '\r' </tmp/l2.out | xpv-pagecheck check "$(lab_l2_pid)" $((64 * 256)) 2
}
lab_check "all 16384 pages L2 listed (on both pnodes) are where it says, by L1's move_pages()" check
lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
lab_check "L2 ran to completion" lab_l2_done
