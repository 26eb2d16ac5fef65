# A Debian L2: the lab's Debian root (make rootfs) is the userspace of an
# XPV guest.  lab.sh shares it into L1 (virtio-9p), and L1 shares it on
# into L2 (l2-rootfs); L2 boots the lab's kernel and initramfs and mounts
# it as L1 does (lab_rootfs_mount), so Debian's programs run on live
# pnodes with the project's tools beside them (/lab).
#  - L2 runs a Debian shell in under 60 s from its start, as L1 measures.
#  - stress-ng's vm stressor runs with verification, its vCPUs apart.
#  - Debian's perf counts xpv:xpv_topology_update in L2 and
#    kvm:kvm_xpv_publish in L1 while L1 moves vCPU 0 to node 1: each at
#    least one, and L2's view follows the move.
lab_check "mount the Debian root (virtio-9p) for perf" lab_rootfs_mount || exit 1
lab_check "perf in the Debian root" lab_rootfs perf --version

LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
start=$(date +%s)
lab_l2_start_apart
lab_check "L2 ran a shell of the Debian root" lab_l2_wait_line 300 '^XPVSYNC debian shell'
took=$(($(date +%s) - start))
lab_check "L2's start to its Debian shell: $took s (under 60 s expected)" test "$took" -lt 60

lab_check "L2 ran stress-ng" lab_l2_wait_line 600 '^XPVSYNC debian move'
# L1's count of publishes for the move, by Debian's perf.
lab_rootfs perf stat -x, -a -e kvm:kvm_xpv_publish -o /tmp/l1perf.csv -- \
	sh -c ': >/tmp/l1perf.on; sleep 20' &
perf=$!
lab_check "L1's perf started" lab_wait_for 60 test -e /tmp/l1perf.on
lab_check "move vCPU 0 (thread $t0) to CPU $n1 on node 1" taskset -p -c "$n1" "$t0"
wait $perf
rc=$?
lab_check "L1's perf stat ran" test $rc = 0
c=$(lab_perf_count /tmp/l1perf.csv kvm:kvm_xpv_publish)
lab_check "L1's perf: kvm:kvm_xpv_publish counted ${c:-nothing} for the move (1 or more expected)" \
	sh -c "cat /tmp/l1perf.csv; [ '${c:-0}' -ge 1 ] 2>/dev/null"
lab_check "L2 with a Debian root ran to completion" lab_l2_done
