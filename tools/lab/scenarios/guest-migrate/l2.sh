# L2 half of guest-migrate (see l1.sh).
x=/sys/devices/system/xpv
placed() { grep -qx 0 $x/pnode0/cpulist && grep -qx 1 $x/pnode1/cpulist; }
irqs() { awk '$1 == "xpv_interrupts" {print $2}' /proc/vmstat; }

lab_check "vCPU 0 reads pnode 0 and vCPU 1 pnode 1 once L1 pinned them" \
	lab_wait_for 120 placed
xpv-guest-test view
i0=$(irqs)
# L1 saves this VM and restores it on node 1: vCPU 0 moves to pnode 1.
xpv-guest-test wait-move 0 1 400
i1=$(irqs)
lab_check "the restored VM interrupted L2: xpv_interrupts $i0 -> $i1" test "$i1" -gt "$i0"
lab_check "L2 still has XPV: $(cat $x/nr_pnodes) pnodes" test "$(cat $x/nr_pnodes)" -ge 2
xpv-guest-test view
# And a move on the destination still reaches this guest.
xpv-guest-test wait-move 0 0 60
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
echo "XPVSYNC checked"
sleep 600	# L1 stops this VM
