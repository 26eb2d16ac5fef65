# XPV across migration.  L2 (kvm-xpv=on) runs with vCPU 0 on L1 node 0
# and vCPU 1 on node 1.  L1 saves it to a file with QMP "migrate"
# (the path of a live migration, to "exec:cat"), then restores it in a
# second QEMU whose threads all run on node 1 (XPV on with -global, as
# in the libvirt example).  The destination's KVM
# must republish the topology as it finds it (vCPU 0 now on pnode 1) and
# notify L2, and a later vCPU move must still reach L2.  A destination
# started without kvm-xpv=on must refuse the stream.
xpv_cpu="$LAB_L2_CPU,kvm-xpv=on"
plain_cpu=$LAB_L2_CPU
LAB_L2_CPU=$xpv_cpu
mig=/tmp/l2.mig

lab_l2_start_apart
lab_check "L2 saw the placement and waits for vCPU 0 to move" \
	lab_l2_wait_line 240 '^XPVSYNC armed cpu=0 pnode=0'
lab_check "query-xpv on the source: vCPU 0 on pnode 0" \
	test "$(lab_xpv_vcpu_pnode 0)" = 0
src_updates=$(lab_kvm_stat xpv_updates)

# 1. Save: migrate to a file, as fast as L1 can write it.
lab_l2_save $mig
lab_diag "source KVM published $src_updates updates"

# 2. A destination without kvm-xpv=on refuses the stream.
LAB_L2_CPU=$plain_cpu
lab_check "a destination without kvm-xpv=on refuses the stream, saying why" \
	lab_l2_refused 'the incoming guest uses XPV' -name bad -incoming "'exec:cat $mig'"
LAB_L2_CPU=$xpv_cpu

# 3. Restore in a QEMU that runs on node 1 only, with XPV turned on the
# way a stock libvirt's domain does it (-global, examples/libvirt/).
cpus1=$(cat /sys/devices/system/node/node1/cpulist)
LAB_L2_PREFIX="taskset -c $cpus1"
LAB_L2_CPU=$plain_cpu
lab_l2_start -name l2,debug-threads=on -global x86_64-cpu.kvm-xpv=on \
	-incoming "'exec:cat $mig'"
LAB_L2_CPU=$xpv_cpu
lab_check "the destination's vCPU threads are up" lab_wait_for 120 lab_vcpu_tid 1
lab_check "L2 runs again and saw vCPU 0 move to pnode 1" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=0 pnode=1'
lab_check "query-xpv on the destination: vCPU 0 on pnode 1" \
	test "$(lab_xpv_vcpu_pnode 0)" = 1
lab_check "the destination KVM published the topology: xpv_updates $(lab_kvm_stat xpv_updates) >= 1" \
	test "$(lab_kvm_stat xpv_updates)" -ge 1
lab_check "... and notified L2: xpv_notifications $(lab_kvm_stat xpv_notifications) >= 1" \
	test "$(lab_kvm_stat xpv_notifications)" -ge 1

# 4. After the restore, a vCPU move still reaches L2.
lab_check "xpvctl vcpu l2 0 0: vCPU 0 to node 0" xpvctl vcpu l2 0 0
lab_check "L2 finished its checks" lab_l2_wait_line 120 '^XPVSYNC checked'
kill "$(lab_l2_pid)"
lab_check "the destination QEMU stopped on SIGTERM" lab_l2_wait
rm -f $mig
