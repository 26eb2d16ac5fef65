# L2 half of show (see l1.sh): the banner of `make lab`, then checks.
lab_l2_banner | sed "s/^/XPVLAB # L2:   /"
lab_check "L2 runs under KVM" sh -c 'dmesg | grep "Hypervisor detected: KVM"'
if [ "$LAB_XPV" = 0 ]; then
	lab_check "no XPV in L2 (make lab XPV=0)" test ! -e /sys/devices/system/xpv
else
	lab_check "XPV is active: 2 pnodes, vCPU 0 on pnode 0, vCPU 1 on pnode 1" \
		lab_wait_for 60 lab_pnodes_apart
	echo "XPVSYNC shown"
	lab_check "L2 sees L1's move: vCPUs 0-1 on pnode 0" \
		lab_wait_for 60 grep -qx 0-1 /sys/devices/system/xpv/pnode0/cpulist
	xpvtop -1 | sed "s/^/XPVLAB # L2:   /"
fi
