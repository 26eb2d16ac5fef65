# The guest page allocator under topology churn.  L2 (kvm-xpv=on, RAM
# preallocated on L1 node 0, vCPU 0 on node 0 and vCPU 1 on node 1)
# faults memory in and out on both vCPUs (xpv-faultbench) for 60 s while
# L1 changes its topology every 100 ms (or as fast as TCG lets it): it
# swaps the nodes of the two vCPU threads, and meanwhile moves every
# other 2 MiB chunk of L2's RAM to the other node, again and again
# (xpv-pagecheck stripe, in the background).  L2 then checks its kernel
# log and its free page accounting (l2.sh).
#
# To tell whether XPV takes part in a failure, the same stress runs
# without parts of it: --xpv 0 (L2 without XPV; with --l1-append
# kvm.xpv=0 the host has none either), --set LAB_STRESS_MOVES=0 (no
# memory moves, vCPU swaps only).
[ "$LAB_XPV" = 0 ] || LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"
moves=${LAB_STRESS_MOVES:-1}
lab_diag "stress: XPV $LAB_XPV, memory moves $moves"

lab_l2_start_apart -mem-prealloc
lab_check "L2 started its stress" lab_l2_wait_line 300 '^XPVSYNC stress start'
# (a QEMU that ended has no PID file: busybox's "kill -0" of nothing
# succeeds, so the loop asks for a PID)
pid=$(lab_l2_pid 2>/dev/null)
i=0
swaps=0
started=0
stripes=0
stripe_pid=
hold=0 updates=0 lookups=0 inflight=0
end=$(($(date +%s) + 60))
while [ "$(date +%s)" -lt $end ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
	! grep -q '^XPVSYNC stress done' /tmp/l2.out; do
	if [ $((i % 2)) = 0 ]; then
		taskset -p -c "$n1" "$t0" && taskset -p -c "$n0" "$t1"
	else
		taskset -p -c "$n0" "$t0" && taskset -p -c "$n1" "$t1"
	fi >/dev/null 2>&1 && swaps=$((swaps + 1))
	# a stripe that ended is counted when it succeeded
	if [ "$moves" = 1 ] && { [ -z "$stripe_pid" ] || ! kill -0 "$stripe_pid" 2>/dev/null; }; then
		[ -z "$stripe_pid" ] || ! wait "$stripe_pid" || stripes=$((stripes + 1))
		xpv-pagecheck stripe "$pid" $((started % 2)) >/dev/null &
		stripe_pid=$!
		started=$((started + 1))
	fi
	sleep 0.1
	i=$((i + 1))
	# (read while L2 runs: its VM's statistics go with it; not at
	# every swap, which would slow the swaps down on a debug kernel)
	if [ $((i % 10)) = 1 ]; then
		hold=$(lab_kvm_stat xpv_lock_max_ns 2>/dev/null) || hold=${hold:-0}
		updates=$(lab_kvm_stat xpv_updates 2>/dev/null) || updates=${updates:-0}
		lookups=$(lab_kvm_stat xpv_mem_lookups 2>/dev/null) || lookups=${lookups:-0}
		inflight=$(lab_kvm_stat xpv_mem_in_flight 2>/dev/null) || inflight=${inflight:-0}
	fi
done
[ -z "$stripe_pid" ] || ! wait "$stripe_pid" || stripes=$((stripes + 1))
lab_diag "L1 KVM for L2: longest hold of its XPV lock $((hold / 1000)) us, $updates updates, $lookups chunk lookups ($inflight with pages in flight)"
# A swap every 100 ms is the aim; under TCG, and on the debug kernel
# (KASAN, lockdep) above all, taskset takes longer: ask for one every
# 3 s on average (debug runs here made 50 swaps in 60 s alone, 36
# beside another debug run).
lab_check "L1 swapped L2's vCPU nodes $swaps times (at least 20) and moved its memory $stripes times (at least $((2 * moves)))" \
	test "$swaps" -ge 20 -a "$stripes" -ge $((2 * moves))
lab_check "L2 ran to completion" lab_l2_done
