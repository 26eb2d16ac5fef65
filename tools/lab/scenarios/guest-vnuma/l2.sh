# L2 half of guest-vnuma (see l1.sh).
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
# What is checked here is where the allocator and move_pages() put pages;
# the guest's NUMA balancing (on with two pnodes) would move them between
# the test's steps.  guest-numab tests the balancing.
lab_check "guest NUMA balancing off for this test" \
	sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
lab_check "L2 has guest nodes 0 and 1, with memory" \
	grep -qx '0-1' /sys/devices/system/node/has_memory
echo "XPVSYNC vnuma up"
# L1's stripe shows as pnode 1 memory beyond guest node 1's 192 MiB:
# half of guest node 0's 320 MiB, 352 MiB in all once it is published.
pnode1_kb() { awk '$3 == "MemTotal:" {print $4}' /sys/devices/system/xpv/pnode1/meminfo; }
striped() { [ "$(pnode1_kb)" -ge $((320 * 1024)) ]; }
lab_check "pnode 1 holds at least 320 MiB once L1 striped guest node 0" \
	lab_wait_for 300 striped
lab_diag "pnode 1: MemTotal $(pnode1_kb) kB"
lab_ktap xpv_cpuset_test /lab/kselftest/xpv_cpuset_test 16
lab_check "no warning, BUG or oops in L2's kernel log" \
	sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
