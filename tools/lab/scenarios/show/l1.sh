# `make lab` without a terminal: what the interactive lab shows.  L2
# runs with XPV (unless --xpv 0), its vCPUs on different L1 nodes, named
# l2 so that xpvctl finds it; it prints its live topology, L1 moves
# vCPU 1 with xpvctl and L2 prints the topology it then sees.
lab_diag "L1 NUMA topology:"
numactl -H | sed "s/^/XPVLAB # L1:   /"
[ "$LAB_XPV" = 0 ] || LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
lab_l2_start_apart
if [ "$LAB_XPV" = 0 ]; then
	lab_check "xpvctl lists no XPV VM" sh -c '! xpvctl list | grep -qw l2'
else
	lab_check "xpvctl lists L2 as an XPV VM" sh -c 'xpvctl list | grep -w l2'
	lab_check "L2 showed its live topology" lab_l2_wait_line 240 '^XPVSYNC shown'
	lab_check "xpvctl show l2" xpvctl show l2
	# L1's own NUMA balancing (on by default with 2 nodes) fights the
	# guest's: show says so, and is quiet once it is off.
	warns() { xpvctl show l2 2>&1 >/dev/null | grep 'host NUMA balancing is on'; }
	lab_check "xpvctl show warns while L1's kernel.numa_balancing is on" \
		sh -c 'echo 1 >/proc/sys/kernel/numa_balancing'
	lab_check "  the warning" warns
	lab_check "  and none once kernel.numa_balancing is 0" \
		sh -c 'echo 0 >/proc/sys/kernel/numa_balancing && ! xpvctl show l2 2>&1 | grep -q "NUMA balancing"'
	lab_check "xpvctl vcpu l2 1 0: vCPU 1 to node 0" xpvctl vcpu l2 1 0
fi
lab_check "L2 ran to completion" lab_l2_done
