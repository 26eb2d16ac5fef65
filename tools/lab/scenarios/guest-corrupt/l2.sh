# L2 half of guest-corrupt (see l1.sh; the cases are in ./cases).
. ./cases
x=/sys/devices/system/xpv
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ev=/sys/kernel/tracing/events/xpv/xpv_topology_update
echo 1 >$ev/enable

vm() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
# noticed M0 S0: the guest rejected a copy of the area (malformed) or
# could not get one (its sequence count stayed odd) since M0 and S0
noticed() { [ "$(vm xpv_malformed)" -gt "$1" ] || [ "$(vm xpv_seq_retries)" -gt "$2" ]; }
# recovered R0 HV0 PNODE: the guest registered again and took a newer
# host version, with vCPU 1 on PNODE (- for any)
recovered() {
	[ "$(cat $x/republish_requests)" -gt "$1" ] &&
		[ "$(cat $x/host_version)" -gt "$2" ] &&
		{ [ "$3" = - ] || has_cpu 1 $x/pnode"$3"/cpulist; }
}
# has_cpu CPU FILE: CPU is in the CPU list (e.g. 0-1,3) in FILE
has_cpu() {
	awk -v c="$1" -F, '{ for (i = 1; i <= NF; i++) { n = split($i, r, "-");
		if (c >= r[1] && c <= r[n]) f = 1 } } END { exit !f }' "$2"
}

lab_check "L2 took the host's topology, vCPUs apart" lab_wait_for 120 lab_pnodes_apart
echo "XPVSYNC ready host_version=$(cat $x/host_version)"
for c in $cases; do
	name=${c%%:*}
	pnode=${c##*:}
	# The host's own publishes (its rechecks of memory chunks after the
	# last case's republish) write a new version over what L1 writes:
	# a case armed among them can vanish before the guest's poll sees
	# it (a version put back, 1 soak run in 20), so each case waits for
	# 3 s without one.
	lab_check "$name: the host's publishing settled" lab_xpv_settle
	m0=$(vm xpv_malformed)
	s0=$(vm xpv_seq_retries)
	r0=$(cat $x/republish_requests)
	hv0=$(cat $x/host_version)
	i0=$(lab_xpv_interrupts)
	t0=$(date +%s)
	echo "XPVSYNC armed $name"
	lab_check "$name: the guest found the area malformed or busy (xpv_malformed, xpv_seq_retries)" \
		lab_wait_for 60 noticed "$m0" "$s0"
	if [ "$pnode" = - ]; then
		# No move, so no notification: the guest's once-a-second poll
		# must find it, on idle CPUs too (the doc says within 2 s).
		t=$(($(date +%s) - t0))
		lab_check "$name: with no notification, the guest's poll found it in $t s (bound 10 s)" \
			test "$t" -le 10
	fi
	lab_check "$name: it still has 2 pnodes" grep -qx 2 $x/nr_pnodes
	lab_check "$name: its vDSO answers" timeout 30 xpv-guest-test bench 10000
	lab_check "$name: it allocates memory (32 MiB in /dev/shm)" \
		sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=32 2>/dev/null && rm /dev/shm/fill'
	lab_check "$name: it registered again and took the host's next publish" \
		lab_wait_for 120 recovered "$r0" "$hv0" "$pnode"
	i=$(($(lab_xpv_interrupts) - i0))
	t=$(($(date +%s) - t0 + 1))
	lab_diag "$name: $i XPV interrupts in $t s; republish_requests $(cat $x/republish_requests), host_version $hv0 -> $(cat $x/host_version)"
	# A notification a second at most while the area is bad, and a few
	# for the moves and the registration.
	lab_check "$name: no interrupt storm ($i in $t s)" test "$i" -le $((t + 10))
	echo "XPVSYNC recovered $name"
done
echo 0 >$ev/enable
lab_check "every topology the guest took had 2 pnodes (xpv:xpv_topology_update)" \
	sh -c "! grep 'xpv_topology_update:' /sys/kernel/tracing/trace | grep -v 'nr_pnodes=2 '"
grep 'xpv_topology_update:' /sys/kernel/tracing/trace | tail -n 3 | sed 's/^/XPVLAB # L2:   /'
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
dmesg | grep 'xpv:' | tail -n 12 | sed 's/^/XPVLAB # L2:   /'
