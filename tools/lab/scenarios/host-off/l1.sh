# A host that does not offer XPV: L1 booted with kvm.xpv=0 (run as
# `lab.sh --l1-append kvm.xpv=0 host-off`, which `make test` does).
# QEMU must refuse kvm-xpv=on with a clear message, and a VM without it
# must run as it does upstream.
lab_check "L1 runs with kvm.xpv=0" grep -qx N /sys/module/kvm/parameters/xpv

plain_cpu=$LAB_L2_CPU
LAB_L2_CPU="$plain_cpu,kvm-xpv=on"
lab_check "QEMU refuses kvm-xpv=on, saying the host's KVM does not offer XPV" \
	lab_l2_refused "the host's KVM does not offer XPV"
LAB_L2_CPU=$plain_cpu

lab_l2_start -name l2
lab_check "without kvm-xpv=on, L2 runs" lab_l2_wait_line 240 '^XPVSYNC checked'
lab_check "query-xpv says XPV is off" lab_xpv_off
kill "$(lab_l2_pid)"
lab_check "L2's QEMU stopped on SIGTERM" lab_l2_wait
