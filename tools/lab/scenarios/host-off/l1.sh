# A host that does not offer XPV: L1 booted with kvm.xpv=0 (run as
# `lab.sh --l1-append kvm.xpv=0 host-off`, which `make test` does).
# QEMU must refuse kvm-xpv=on with a clear message, and a VM without it
# must run as it does upstream.
lab_check "L1 runs with kvm.xpv=0" grep -qx N /sys/module/kvm/parameters/xpv

plain_cpu=$LAB_L2_CPU
LAB_L2_CPU="$plain_cpu,kvm-xpv=on"
out=$(eval timeout 120 "$(lab_l2_cmdline -serial none)" 2>&1)
rc=$?
LAB_L2_CPU=$plain_cpu
echo "$out" | tail -n 3 | sed 's/^/XPVLAB # L1:   kvm-xpv=on: /'
lab_check "QEMU refuses kvm-xpv=on (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
says_why() { echo "$out" | grep -q "the host's KVM does not offer XPV"; }
lab_check "... saying the host's KVM does not offer XPV" says_why

lab_l2_start -name l2
lab_check "without kvm-xpv=on, L2 runs" lab_l2_wait_line 240 '^XPVSYNC checked'
xpv_off() { lab_qmp '{"execute":"query-xpv"}' | grep -q '"enabled": false'; }
lab_check "query-xpv says XPV is off" xpv_off
kill "$(lab_l2_pid)"
lab_check "L2's QEMU stopped on SIGTERM" lab_l2_wait
