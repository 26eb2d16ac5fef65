# The XPV guest driver end to end.  L2 runs with kvm-xpv=on; L1 places
# L2's vCPU threads on its NUMA nodes and checks what L2 believes against
# where the threads really run.  A second L2 boots with xpv=off.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"

lab_l2_start_apart

# 1. The initial view matches where L1 runs each vCPU thread.
# GT_VIEW_WAIT: the debug kernel's L2 is several times slower (make test
# gives it 600 s).
lab_check "L2 reported its view" lab_l2_wait_line "${GT_VIEW_WAIT:-240}" '^XPVSYNC view'
view=" $(grep -m1 '^XPVSYNC view' /tmp/l2.out | tr -d '\r') "
lab_diag "L2 says:$view"
for v in 0 1; do
	tid=$(lab_vcpu_tid $v)
	cpu=$(lab_thread_cpu "$tid")
	node=$(lab_cpu_node "$cpu")
	lab_check "L2's pnode of vCPU $v is L1's node $node (thread $tid on CPU $cpu)" \
		sh -c "echo '$view' | grep -q ' cpu$v=$node '"
done
lab_check "L1 KVM published L2's topology: xpv_updates $(lab_kvm_stat xpv_updates) >= 1" \
	test "$(lab_kvm_stat xpv_updates)" -ge 1
# QEMU's view (query-xpv, from KVM's statistics) agrees with L2's.
for v in 0 1; do
	mine=$(lab_view_pnode "$view" $v)
	lab_check "query-xpv: vCPU $v on pnode $(lab_xpv_vcpu_pnode $v), as L2 reads it ($mine)" \
		test "$(lab_xpv_vcpu_pnode $v)" = "$mine" -a -n "$mine"
done
xpvctl show l2 | sed 's/^/XPVLAB # L1:   xpvctl show: /'

# 2. A move: vCPU 1 to node 0.  L2 checks the version, poll(), sysfs, vDSO.
lab_check "L2 is waiting for vCPU 1 to move" lab_l2_wait_line 120 '^XPVSYNC armed cpu=1'
lab_check "xpvctl vcpu l2 1 0: vCPU 1 (thread $t1) to node 0" xpvctl vcpu l2 1 0
vcpu1_on_node0() { [ "$(lab_cpu_node "$(lab_thread_cpu "$t1")")" = 0 ]; }
lab_check "L2's vCPU 1 thread now runs on node 0" lab_wait_for 30 vcpu1_on_node0

# 3. xpvtop in L2 redraws when vCPU 1 goes back to node 1.
lab_check "xpvtop runs in L2" lab_l2_wait_line 120 '^XPVSYNC xpvtop running'
lab_check "query-xpv after the move: vCPU 1 on pnode 0, as L2 saw it" \
	test "$(lab_xpv_vcpu_pnode 1)" = 0
xpvctl show l2 | sed 's/^/XPVLAB # L1:   xpvctl show: /'
xpvctl list | sed 's/^/XPVLAB # L1:   xpvctl list: /'
lab_check "xpvctl list shows L2 with its topology version" \
	sh -c "xpvctl list | grep -Eq '^l2 +[0-9]+ +[1-9][0-9]* +/tmp/l2.qmp'"
# fails_with TEXT CMD...: CMD fails and says TEXT.
fails_with() {
	_want=$1
	shift
	_out=$("$@" 2>&1) && return 1
	echo "$_out"
	echo "$_out" | grep -q "$_want"
}
lab_check "xpvctl: an unknown VM is a clear error" \
	fails_with "no VM named 'nosuch'" xpvctl vcpu nosuch 1 0
lab_check "xpvctl: an unknown vCPU is a clear error" \
	fails_with "has no vCPU 7 (it has 2)" xpvctl vcpu l2 7 0
lab_check "xpvctl: an unknown node is a clear error" \
	fails_with "host node 9 does not exist" xpvctl vcpu l2 1 9
lab_check "xpvctl: an unknown node for memory is a clear error" \
	fails_with "host node 9 does not exist" xpvctl mem l2 9
lab_check "xpvctl: a bad vCPU number is a clear error" \
	fails_with "'x' is not a vCPU number" xpvctl vcpu l2 x 0
lab_check "move vCPU 1 (thread $t1) back to CPU $n1 on node 1" taskset -p -c "$n1" "$t1"
lab_check "L2 with XPV ran to completion" lab_l2_done

# 4. xpv=off: no registration at all, as L1's KVM counts it.  Its vCPU
# threads are pinned apart too: all the deaths of this L2 seen on the
# debug kernel (two boot hangs, an hrtimer interrupt taken with the
# hrtimer lock held, a vCPU deaf to interrupts in an RCU stall) were in
# it while it ran unpinned, its vCPU threads changing L1 CPU as they
# booted (tools/lab/README.md, "Flakes").  GT_XPV_OFF=0 (--set) leaves
# this L2 out: make test does on the debug kernel, whose checks are for
# XPV's code, which an xpv=off guest does not run; the lab kernel's run
# has it.
if [ "${GT_XPV_OFF:-1}" = 0 ]; then
	lab_diag "no xpv=off L2 in this run (GT_XPV_OFF=0)"
else
	LAB_L2_APPEND="$LAB_L2_APPEND xpv=off"
	lab_l2_start_apart
	lab_check "L2 booted with xpv=off checked itself" lab_l2_wait_line 240 '^XPVSYNC off checked'
	lab_check "L1 KVM has no area for it: xpv_updates $(lab_kvm_stat xpv_updates), xpv_notifications $(lab_kvm_stat xpv_notifications)" \
		test "$(lab_kvm_stat xpv_updates)" = 0 -a "$(lab_kvm_stat xpv_notifications)" = 0
	lab_check "L2 with xpv=off ran to completion" lab_l2_done
fi
