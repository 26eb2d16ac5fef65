# Smoke: L1 is the NUMA machine the harness asked for, it has a working
# nested KVM, and L2 boots under it.
topo="--nodes $LAB_NODES --cpus $LAB_CPUS --mem $LAB_MEM"
[ -z "$LAB_DIST" ] || topo="$topo --distance $LAB_DIST"
# shellcheck disable=SC2086
lab_check "L1 sees $LAB_NODES NUMA nodes with the configured CPUs, memory and distances" \
	xpv-labtopo verify $topo
lab_check "/dev/kvm exists in L1" test -c /dev/kvm
lab_check "L1 KVM uses SVM with nested paging" \
	grep -qx Y /sys/module/kvm_amd/parameters/npt

lab_l2_start
# While L2 runs, L1's KVM has a VM for it (debugfs: <pid>-<fd>).
lab_check "L1 KVM runs a VM for L2" \
	lab_wait_for 60 sh -c 'ls -d /sys/kernel/debug/kvm/"$(cat /tmp/l2.pid)"-* >/dev/null 2>&1'
lab_check "without kvm-xpv=on, QMP query-xpv says XPV is off" lab_wait_for 30 lab_xpv_off
lab_check "L2's QEMU exited cleanly" lab_l2_wait
lab_check "L2 completed its scenario" grep -q "XPVLAB done L2" /tmp/l2.out

# XPV's notifications are interrupts KVM injects: without KVM's in-kernel
# local APIC, kvm-xpv=on must be refused at start-up, saying why.
plain_cpu=$LAB_L2_CPU
LAB_L2_CPU="$plain_cpu,kvm-xpv=on"
lab_check "kvm-xpv=on with kernel-irqchip=off is refused, saying why" \
	lab_l2_refused "needs KVM's in-kernel local APIC" -machine kernel-irqchip=off
LAB_L2_CPU=$plain_cpu
