# L2 half of guest-hibernate (see l1.sh).
xpv=/sys/devices/system/xpv
newer() { [ "$(cat $xpv/version)" -gt "$1" ]; }
# hib_go N HOW: tell L1, give the copy to the output port a second to pass
# it on, and hibernate; returns in the restored guest
hib_go() {
	echo "XPVSYNC hib going $1"
	sleep 1
	lab_check "hibernated, then restored in a VM $2" \
		sh -c 'echo disk >/sys/power/state'
}

if grep -q 'xpvhib=restore' /proc/cmdline; then
	# A fresh kernel: restore the image, which then runs on from its
	# "echo disk" below.  Reached only when nothing was restored.
	lab_check "an image on /dev/vda restored" \
		sh -c 'cat /sys/block/vda/dev >/sys/power/resume'
else
	lab_check "XPV is active" lab_wait_for 60 cat $xpv/nr_pnodes
	lab_check "vCPU 0 on pnode 0, vCPU 1 on pnode 1" \
		lab_wait_for 60 sh -c "grep -qx 0 $xpv/pnode0/cpulist && grep -qx 1 $xpv/pnode1/cpulist"
	lab_check "NUMA balancing on, with 2 pnodes" grep -qx 1 /proc/sys/kernel/numa_balancing
	lab_check "a swap area on /dev/vda" sh -c 'mkswap /dev/vda >/dev/null && swapon /dev/vda'
	lab_check "hibernation powers off when done" sh -c 'echo shutdown >/sys/power/disk'
	v1=$(cat $xpv/version)
	hib_go 1 "with XPV"
	lab_check "XPV registered again: the version moved on from $v1" \
		lab_wait_for 60 newer "$v1"
	lab_check "the restored guest sees the new placement: vCPU 0 on pnode 1, vCPU 1 on pnode 0" \
		lab_wait_for 60 sh -c "grep -qx 0 $xpv/pnode1/cpulist && grep -qx 1 $xpv/pnode0/cpulist"
	lab_check "sysfs and the vDSO agree" xpv-guest-test view
	echo "XPVSYNC hib back 1"
	v2=$(cat $xpv/version)
	hib_go 2 "without XPV"
	echo "XPVSYNC hib back 2"
	lab_check "the guest says XPV went inactive" \
		lab_wait_for 30 sh -c 'dmesg | grep -q "xpv: inactive: the host took no registration"'
	lab_check "no topology left (version moved on from $v2, no CPU on a pnode)" \
		xpv-guest-test inactive "$v2"
	lab_check "NUMA balancing turned off" grep -qx 0 /proc/sys/kernel/numa_balancing
	lab_check "memory is still allocated: 128 MiB written to tmpfs" \
		sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=128 2>/dev/null && rm /tmp/fill'
	lab_check "no warning, BUG or oops in L2's kernel log" \
		sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
	dmesg | grep -E "xpv|PM: " | tail -n 20 | sed 's/^/XPVLAB # L2:   /'
fi
