# L2 half of guest-reboot (see l1.sh).  The placement tells the first two
# boots apart: vCPUs apart is the first boot, both on pnode 0 the second;
# the kernel the second kexecs into has "xpvkexec" on its command line.
x=/sys/devices/system/xpv
both_on_0() { grep -qx '0-1' $x/pnode0/cpulist; }
placed() { lab_pnodes_apart || both_on_0; }
# healthy WHEN: the kernel log and XPV's counters, before it goes
healthy() {
	grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
	lab_check "$1: no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
	lab_check "$1: no warning, BUG or oops in L2's kernel log" \
		sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
}
lab_check "XPV is active" lab_wait_for 60 test -e $x/nr_pnodes
if grep -qw xpvkexec /proc/cmdline; then
	lab_check "after kexec: vCPU 0 on pnode 0, vCPU 1 on pnode 1, where L1 left them" \
		lab_wait_for 60 lab_pnodes_apart
	xpv-guest-test view
	lab_diag "after kexec: version $(cat $x/version), $(cat $x/nr_pnodes) pnodes"
	xpv-guest-test wait-move 0 1 300
	healthy "after kexec"
else
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
	healthy "second boot"
fi
# Unless LAB_REBOOT_KEXEC=0 (see l1.sh): kexec into the same kernel and
# initramfs, which L1 shares (virtio-9p xpvkexec); Debian's kexec-tools,
# from the Debian root
if ! grep -qw xpvkexec /proc/cmdline && [ "${LAB_REBOOT_KEXEC:-1}" = 1 ]; then
	lab_check "mount the Debian root (virtio-9p through L1)" lab_rootfs_mount || exit 1
	lab_check "mount L1's share of L2's kernel and initramfs at $LAB_ROOTFS/mnt" \
		mount -t 9p -o trans=virtio,version=9p2000.L,ro xpvkexec $LAB_ROOTFS/mnt || exit 1
	lab_check "kexec -l: the kernel, the initramfs, this command line and xpvkexec" \
		lab_rootfs kexec -l /mnt/bzImage --initrd=/mnt/l2.cpio \
			--command-line="$(cat /proc/cmdline) xpvkexec" || exit 1
	lab_diag "kexec"
	sync
	# A kernel still here 30 s after kexec -e got stuck on its way out
	# (it prints "Starting new kernel" only once its reboot notifiers,
	# device shutdown and syscore shutdown are done): show where, its
	# blocked tasks and every CPU's backtrace, before L1's hang report.
	( sleep 30
	lab_diag "kexec: the old kernel still runs 30 s after kexec -e"
	echo w >/proc/sysrq-trigger
	echo l >/proc/sysrq-trigger ) &
	sleep 2	# the output port's last lines reach L1 first
	lab_rootfs kexec -e
	lab_not_ok "kexec -e" "it returned ($?)"
fi
