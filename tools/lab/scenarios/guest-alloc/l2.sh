# L2 half of guest-alloc (see l1.sh).
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
# What is checked here is where the allocator and move_pages() put pages;
# the guest's NUMA balancing (on with two pnodes) would move them between
# the test's steps.  guest-numab tests the balancing.
lab_check "guest NUMA balancing off for this test" \
	sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
# 64 MiB per allocation, on CPU 0 (vCPU 0); up to 180 s for each of L1's
# moves.
lab_ktap xpv_alloc_test /lab/kselftest/xpv_alloc_test 64 180 0
# Pnode policies and move_pages() on pnodes, 64 MiB, on vCPU 0; up to
# 300 s for L1 to look.  It checks huge pages in an MADV_HUGEPAGE range:
# with 512 MiB the kernel leaves them off by default.
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled
lab_ktap xpv_policy_test /lab/kselftest/xpv_policy_test 64 0 300
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
