# L2 half of guest-reboot (see l1.sh).  The placement tells the boots
# apart: vCPUs apart is the first boot, both on pnode 0 the second.
x=/sys/devices/system/xpv
both_on_0() { grep -qx '0-1' $x/pnode0/cpulist; }
placed() { lab_pnodes_apart || both_on_0; }
lab_check "XPV is active" lab_wait_for 60 test -e $x/nr_pnodes
lab_check "L2 reads its vCPUs apart (first boot) or both on pnode 0 (second)" \
	lab_wait_for 60 placed
if lab_pnodes_apart; then
	xpv-guest-test view
	lab_diag "first boot: version $(cat $x/version)"
	xpv-guest-test wait-move 1 0 300 || lab_not_ok "vCPU 1 moved to pnode 0" "see above"
	lab_diag "rebooting"
	sync
	sleep 2	# the output port's last lines reach L1 first
	reboot -f
	sleep 600	# the reset comes first
fi
lab_check "second boot: both vCPUs on pnode 0, where L1 left them ($(cat $x/pnode0/cpulist))" \
	both_on_0
xpv-guest-test view
lab_diag "second boot: version $(cat $x/version), $(cat $x/nr_pnodes) pnodes"
xpv-guest-test wait-move 1 1 300
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
lab_check "no warning, BUG or oops in L2's kernel log" \
	sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
