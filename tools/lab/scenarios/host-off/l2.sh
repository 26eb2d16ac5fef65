# L2 half of host-off (see l1.sh).
lab_check "L2 runs under KVM" sh -c 'dmesg | grep -q "Hypervisor detected: KVM"'
lab_check "L2 has no XPV" test ! -e /sys/devices/system/xpv
lab_check "L2 has kvm-clock" \
	grep -qw kvm-clock /sys/devices/system/clocksource/clocksource0/available_clocksource
echo "XPVSYNC checked"
sleep 600	# L1 stops this VM
