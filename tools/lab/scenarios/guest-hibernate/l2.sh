# L2 half of guest-hibernate (see l1.sh).
xpv=/sys/devices/system/xpv
# newer V: the version is past V, and there is a topology
newer() {
	_v=$(cat $xpv/version)
	echo "version $_v, nr_pnodes $(cat $xpv/nr_pnodes 2>&1)"
	[ "$_v" -gt "$1" ] && cat $xpv/nr_pnodes >/dev/null 2>&1
}
# placed P0 P1: vCPU 0 on pnode P0, vCPU 1 on pnode P1, by sysfs
placed() {
	for _p in $xpv/pnode*; do
		echo "${_p##*/}: cpus $(cat "$_p"/cpulist)"
	done
	grep -qx 0 $xpv/pnode"$1"/cpulist && grep -qx 1 $xpv/pnode"$2"/cpulist
}
# waited SECS CMD...: lab_wait_for, and on a timeout what CMD sees
waited() {
	lab_wait_for "$@" && return 0
	shift
	"$@"
	return 1
}
# balancing V: kernel.numa_balancing is V
balancing() {
	echo "kernel.numa_balancing is $(cat /proc/sys/kernel/numa_balancing)"
	grep -qx "$1" /proc/sys/kernel/numa_balancing
}
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
	# resume_store() says nothing when it finds no image: this kernel
	# going on is the failure.
	no_image() {
		cat /sys/block/vda/dev >/sys/power/resume
		echo "no image was restored; this kernel went on"
		dmesg | grep 'PM: ' | tail -n 5
		return 1
	}
	lab_check "an image on /dev/vda restored" no_image
else
	lab_check "XPV is active" lab_wait_for 60 cat $xpv/nr_pnodes
	lab_check "vCPU 0 on pnode 0, vCPU 1 on pnode 1" waited 60 placed 0 1
	lab_check "NUMA balancing on, with 2 pnodes" balancing 1
	lab_check "a swap area on /dev/vda" sh -c 'mkswap /dev/vda >/dev/null && swapon /dev/vda'
	lab_check "hibernation powers off when done" sh -c 'echo shutdown >/sys/power/disk'
	v1=$(cat $xpv/version)
	hib_go 1 "with XPV"
	lab_check "XPV registered again: the version moved on from $v1" \
		waited 60 newer "$v1"
	lab_check "the restored guest sees the new placement: vCPU 0 on pnode 1, vCPU 1 on pnode 0" \
		waited 60 placed 1 0
	lab_check "sysfs and the vDSO agree" xpv-guest-test view
	echo "XPVSYNC hib back 1"
	v2=$(cat $xpv/version)
	hib_go 2 "without XPV"
	echo "XPVSYNC hib back 2"
	lab_check "the guest says XPV went inactive" \
		lab_wait_for 30 sh -c 'dmesg | grep -q "xpv: inactive: the host took no registration"'
	lab_check "no topology left (version moved on from $v2, no CPU on a pnode)" \
		xpv-guest-test inactive "$v2"
	lab_check "NUMA balancing turned off" balancing 0
	lab_check "memory is still allocated: 128 MiB written to tmpfs" \
		sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=128 2>/dev/null && rm /tmp/fill'
	lab_check "no warning, BUG or oops in L2's kernel log" \
		sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
	dmesg | grep -E "xpv|PM: " | tail -n 20 | sed 's/^/XPVLAB # L2:   /'
fi
