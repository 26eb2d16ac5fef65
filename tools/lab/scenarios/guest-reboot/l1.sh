# XPV across a guest reboot and a kexec.  L2 (kvm-xpv=on, vCPU 0 on L1
# node 0, vCPU 1 on node 1) runs with reboots allowed.  On its first boot
# it reads its vCPUs apart; L1 moves vCPU 1 to node 0, and L2, once it
# saw that move, reboots (reboot -f).  Its kernel unregisters the area on
# the way down (syscore shutdown), QEMU's reset clears the XPV MSRs, and
# the second boot registers again: it must read both vCPUs on pnode 0,
# where L1 left them, and then see vCPU 1 moved back to node 1.  Unless
# --set LAB_REBOOT_KEXEC=0 (the reboot only), it then kexecs into the
# same kernel (Debian's kexec-tools; L1 shares the kernel and L2's
# initramfs over virtio-9p).  No reset clears anything
# there: the kernel going must unregister its area itself, or the host
# would go on writing into memory the next kernel owns.  The third kernel
# reads the placement L1 left and sees vCPU 0 move to node 1.  L1 traces
# the guest's writes of MSR_KVM_XPV_AREA: a registration, the
# unregistration, a registration again (and, with the kexec, the
# unregistration and the last registration), in that order.  A host that
# went on publishing into an earlier kernel's area, or a guest left with
# its old view, fails.
lab_area_msr_trace on

LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
# no_shutdown shows each boot's "Command line:", an info line, from L2's
# console: every line there (lab.sh, LAB_L2_LOGLEVEL)
LAB_L2_LOGLEVEL=
# A reboot resets L2 (no -no-reboot, QEMU's default action); the watcher
# still reports a panic, and a poweroff ends the run.
LAB_L2_NO_REBOOT=
LAB_L2_WATCHED="-action reboot=reset,shutdown=pause,panic=pause -device pvpanic \
	-qmp unix:/tmp/l2-watch.qmp,server=on,wait=off"
# The kernel and initramfs L2 boots, for its kexec
kexec_share=
if [ "${LAB_REBOOT_KEXEC:-1}" = 1 ]; then
	mkdir -p /tmp/kexec &&
		cp "${LAB_L2_KERNEL:-/lab/bzImage}" /tmp/kexec/bzImage &&
		cp /lab/l2.cpio /tmp/kexec/l2.cpio ||
		lab_not_ok "copy L2's kernel and initramfs to /tmp/kexec" "see above"
	kexec_share="-virtfs local,path=/tmp/kexec,mount_tag=xpvkexec,security_model=none,readonly=on"
fi
# shellcheck disable=SC2086 # empty, or the words of one option
lab_l2_start_apart $kexec_share
lab_check "first boot: L2 reads its vCPUs apart and waits for vCPU 1 to move" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=1 pnode=1 '
lab_check "xpvctl vcpu l2 1 0: vCPU 1 to node 0" xpvctl vcpu l2 1 0
# the waits below watch the second boot (a hang while booting is named)
LAB_L2_BOOTS=2
lab_check "second boot: L2 reads both vCPUs on pnode 0 and waits for vCPU 1 to move" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=1 pnode=0 '
# no_shutdown: L1's KVM traced no shutdown (triple fault) of L2; else
# where L2 was, and the kernel command line of each boot (a triple fault
# in the jump to a kexec'd kernel resets L2, which then boots QEMU's
# kernel line, without xpvkexec).
no_shutdown() {
	[ "$(lab_shutdown_count)" = 0 ] && return 0
	lab_l2_shutdowns
	echo "L2's kernel command lines, boot by boot:"
	grep 'Command line:' /tmp/l2.log | sed 's/^/  /'
	return 1
}
# A triple fault on the way down would reset L2 too (reboot=reset)
lab_check "L1's KVM saw no shutdown (triple fault) of L2 in its reboot: $(lab_shutdown_count) traced" \
	no_shutdown
lab_check "query-xpv after the reboot: vCPU 1 on pnode 0" test "$(lab_xpv_vcpu_pnode 1)" = 0
lab_check "xpvctl vcpu l2 1 1: vCPU 1 back to node 1" xpvctl vcpu l2 1 1
# area_writes WHAT ERE: L2's writes of the area MSR so far match ERE, in
# which R stands for a registration (an address with its enable bit)
area_writes() {
	_w=$(lab_area_msr_writes | tr '\n' ' ')
	lab_diag "L2's writes of MSR_KVM_XPV_AREA: $_w"
	_re=$(echo "$2" | sed 's/R/0x[0-9a-f]*[13579bdf]/g')
	lab_check "L2 $1" sh -c "echo '$_w' | grep -Eq '$_re'"
}
if [ "${LAB_REBOOT_KEXEC:-1}" != 1 ]; then
	area_writes "registered its area, unregistered it on the way down, and registered it again" \
		'^R 0x0 R $'
	lab_check "L2 (second boot) ran to completion" lab_l2_done
else
	LAB_L2_BOOTS=3
	# kexec_booted: the kexec'd kernel's line, or why it is not coming
	# (a triple fault in the jump resets L2: where, and each boot's line)
	kexec_booted() {
		lab_l2_wait_line 300 '^XPVSYNC armed cpu=0 pnode=0 ' && return 0
		no_shutdown
		return 1
	}
	lab_check "after its kexec: L2 reads its vCPUs apart and waits for vCPU 0 to move" \
		kexec_booted
	area_writes "registered its area and unregistered it on the way down, at its reboot and its kexec, and registered it again" \
		'^R 0x0 R 0x0 R $'
	lab_check "L1's KVM saw no shutdown (triple fault) of L2: $(lab_shutdown_count) traced" \
		no_shutdown
	lab_check "xpvctl vcpu l2 0 1: vCPU 0 to node 1" xpvctl vcpu l2 0 1
	vcpu0_on_1() { test "$(lab_xpv_vcpu_pnode 0)" = 1; }
	lab_check "host side: query-xpv after the kexec shows vCPU 0 on pnode 1" \
		lab_wait_for 30 vcpu0_on_1
	lab_check "L2 (after its kexec) ran to completion" lab_l2_done
fi
lab_area_msr_trace off
