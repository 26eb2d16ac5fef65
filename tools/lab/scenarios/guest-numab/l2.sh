# L2 half of guest-numab (see l1.sh).
# numab_up: XPV active, L1 told, and, once L1 striped L2's RAM, half of
# it on pnode 1.
numab_up() {
	lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
	echo "XPVSYNC numab up"
	striped() { [ "$(lab_pnode_kb 1)" -ge $((192 * 1024)) ]; }
	lab_check "pnode 1 holds at least 192 MiB once L1 striped L2's RAM" \
		lab_wait_for 300 striped
}
if grep -q 'xpv=off' /proc/cmdline; then
	echo "XPVSYNC numab up"
	lab_ktap xpv_numab_control /lab/kselftest/xpv_numab_test control 64
elif grep -q 'numab=pairs' /proc/cmdline; then
	# 4 vCPUs, two on each pnode: follow the memory, shared memory.
	numab_up
	lab_ktap xpv_numab_memory /lab/kselftest/xpv_numab_test memory 64
	# The pair gathers on one pnode, then its memory (90% local): up to
	# 71 s here; 128 s once when the test's watch, then a thread of the
	# readers' process, joined their group as a third member that does
	# not let it gather (the watch is another process now:
	# xpv_numab_test.c); 300 s
	lab_ktap xpv_numab_shared /lab/kselftest/xpv_numab_test shared 64 "${LAB_NUMAB_SHARED_S:-300}"
	lab_check "no warning, BUG or oops in L2's kernel log" \
		sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
else
	numab_up
	lab_diag "pnode 0: MemTotal $(lab_pnode_kb 0) kB, pnode 1: $(lab_pnode_kb 1) kB"
	vm() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
	lab_diag "before: numa_hint_faults $(vm numa_hint_faults), local $(vm numa_hint_faults_local), numa_pages_migrated $(vm numa_pages_migrated)"
	if lab_debug_kernel; then
		# Its checkers are what is tested here: 32 MiB, up to 180 s.
		lab_ktap xpv_numab_vcpu /lab/kselftest/xpv_numab_test vcpu 32 180
	else
		lab_ktap xpv_numab_vcpu /lab/kselftest/xpv_numab_test vcpu 64
	fi
	lab_ktap xpv_numab_churn /lab/kselftest/xpv_numab_test churn 32
	lab_diag "after: numa_hint_faults $(vm numa_hint_faults), local $(vm numa_hint_faults_local), numa_pages_migrated $(vm numa_pages_migrated), pgmigrate_success $(vm pgmigrate_success)"
	lab_check "no warning, BUG or oops in L2's kernel log" \
		sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
	dmesg | grep -i "numa balancing" | sed 's/^/XPVLAB # L2:   /'
fi
