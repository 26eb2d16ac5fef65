# XPV across a guest reboot.  L2 (kvm-xpv=on, vCPU 0 on L1 node 0,
# vCPU 1 on node 1) runs with reboots allowed.  On its first boot it
# reads its vCPUs apart; L1 moves vCPU 1 to node 0, and L2, once it saw
# that move, reboots (reboot -f).  Its kernel unregisters the area on the
# way down (syscore shutdown), QEMU's reset clears the XPV MSRs, and the
# second boot registers again: it must read both vCPUs on pnode 0, where
# L1 left them, and then see vCPU 1 moved back to node 1.  L1 traces the
# guest's writes of MSR_KVM_XPV_AREA: a registration, the unregistration,
# a registration again, in that order.  A host that went on publishing
# into the first boot's area, or a guest left with its old view, fails.
lab_area_msr_trace on

LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
# A reboot resets L2 (no -no-reboot, QEMU's default action); the watcher
# still reports a panic, and a poweroff ends the run.
LAB_L2_NO_REBOOT=
LAB_L2_WATCHED="-action reboot=reset,shutdown=pause,panic=pause -device pvpanic \
	-qmp unix:/tmp/l2-watch.qmp,server=on,wait=off"
lab_l2_start_apart
lab_check "first boot: L2 reads its vCPUs apart and waits for vCPU 1 to move" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=1 pnode=1 '
lab_check "xpvctl vcpu l2 1 0: vCPU 1 to node 0" xpvctl vcpu l2 1 0
# the waits below watch the second boot (a hang while booting is named)
LAB_L2_BOOTS=2
lab_check "second boot: L2 reads both vCPUs on pnode 0 and waits for vCPU 1 to move" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=1 pnode=0 '
w=$(lab_area_msr_writes | tr '\n' ' ')
lab_diag "L2's writes of MSR_KVM_XPV_AREA: $w"
lab_check "L2 registered its area, unregistered it on the way down, and registered it again" \
	sh -c "echo '$w' | grep -Eq '^0x[0-9a-f]*[13579bdf] 0x0 0x[0-9a-f]*[13579bdf] \$'"
# A triple fault on the way down would reset L2 too (reboot=reset)
lab_check "L1's KVM saw no shutdown (triple fault) of L2: $(lab_shutdown_count) traced" \
	test "$(lab_shutdown_count)" = 0
lab_check "query-xpv after the reboot: vCPU 1 on pnode 0" test "$(lab_xpv_vcpu_pnode 1)" = 0
lab_check "xpvctl vcpu l2 1 1: vCPU 1 back to node 1" xpvctl vcpu l2 1 1
lab_check "L2 (second boot) ran to completion" lab_l2_done
lab_area_msr_trace off
