# Smoke, L2 side: a KVM guest with the topology DESIGN.md prescribes
# (one uniform node; the live topology comes later through XPV).
lab_check "L2 runs under KVM" sh -c 'dmesg | grep "Hypervisor detected: KVM"'
lab_check "L2 has kvm-clock" \
	grep -qw kvm-clock /sys/devices/system/clocksource/clocksource0/available_clocksource
lab_check "L2 has $LAB_L2_CPUS vCPUs" test "$(nproc)" = "$LAB_L2_CPUS"
lab_check "L2 sees one NUMA node" test "$(cat /sys/devices/system/node/online)" = 0
lab_check "without kvm-xpv=on, L2 has no XPV" test ! -e /sys/devices/system/xpv
