# L2 half of guest-pages (see l1.sh).
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
# 64 MiB; up to 120 s for L1's move; then 20 s of L2's time (L1 pauses
# L2 while it looks the pages up).
lab_ktap xpv_pages_test /lab/kselftest/xpv_pages_test 64 120 20
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
