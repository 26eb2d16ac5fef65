# L2 half of guest-migrate (see l1.sh).
x=/sys/devices/system/xpv

lab_check "vCPU 0 reads pnode 0 and vCPU 1 pnode 1 once L1 pinned them" \
	lab_wait_for 120 lab_pnodes_apart
xpv-guest-test view
i0=$(lab_xpv_interrupts)
# L1 saves this VM and restores it on node 1: vCPU 0 moves to pnode 1.
xpv-guest-test wait-move 0 1 400
i1=$(lab_xpv_interrupts)
lab_check "the restored VM interrupted L2: xpv_interrupts $i0 -> $i1" test "$i1" -gt "$i0"
lab_check "L2 still has XPV: $(cat $x/nr_pnodes) pnodes" test "$(cat $x/nr_pnodes)" -ge 2
xpv-guest-test view
# And a move on the destination still reaches this guest.
xpv-guest-test wait-move 0 0 60
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
echo "XPVSYNC checked"
sleep 600	# L1 stops this VM
