# L2 half of guest-pages (see l1.sh).
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
# What is checked here is where the allocator and move_pages() put pages;
# the guest's NUMA balancing (on with two pnodes) would move them between
# the test's steps.  guest-numab tests the balancing.
lab_check "guest NUMA balancing off for this test" \
	sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
# 64 MiB; up to 120 s for L1's move; then 20 s of L2's time (L1 pauses
# L2 while it looks the pages up).
lab_ktap xpv_pages_test /lab/kselftest/xpv_pages_test 64 120 20
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
