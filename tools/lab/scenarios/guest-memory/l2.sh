# L2 half of guest-memory (see l1.sh).
x=/sys/devices/system/xpv
share1() { # node 1's share of the known memory, per mille
	_a=$(lab_pnode_kb 0)
	_b=$(lab_pnode_kb 1)
	[ $((_a + _b)) -gt 0 ] && echo $((_b * 1000 / (_a + _b)))
}
report() {
	echo "XPVSYNC $1 $(lab_pnode_kb 0) $(lab_pnode_kb 1) $(($(cat $x/unknown_bytes) / 1024))"
}

on_pnode0() { _s=$(share1) && [ "$_s" -le 50 ]; }
on_pnode1() { _s=$(share1) && [ "$_s" -ge 900 ]; }

# L1 binds this VM's memory to node 0.  Wait for the chunks to be known.
lab_check "L2's memory is known and on pnode 0" lab_wait_for 120 on_pnode0
report before
lab_check "L2 sees pnode 1 take its memory" lab_wait_for 240 on_pnode1
# Most of it is there; report once the move has settled: pnode 1's
# memory unchanged for 3 s (KVM publishes a move within about 1.1 s), not
# half way through.  Only the moves change pnode 1: L1 binds this VM's
# memory to node 0, so what L2 touches for the first time meanwhile
# (the allocator prefers memory of no pnode yet to a remote pnode's) is
# new memory on pnode 0, which may grow for minutes (by 147 MiB in 120 s
# once, in a fresh-clone run).
settled() {
	_prev=
	_same=0
	_end=$(($(date +%s) + 120))
	while [ "$(date +%s)" -lt "$_end" ]; do
		_now=$(lab_pnode_kb 1)
		if [ "$_now" = "$_prev" ]; then
			_same=$((_same + 1))
			[ "$_same" -lt 15 ] || return 0
		else
			_same=0
		fi
		_prev=$_now
		sleep 0.2
	done
	lab_diag "pnode 1 still changed after 120 s: $_prev kB at the end (pnode 0: $(lab_pnode_kb 0) kB)"
	return 1
}
lab_check "L2's memory map settled" settled
report after
# L1 moves it all back to node 0 with xpvctl.
lab_check "L2 sees pnode 0 take its memory back" lab_wait_for 240 on_pnode0
lab_check "L2's memory map settled again" settled
report back
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
echo "XPVSYNC checked"
sleep 600	# L1 reads what it needs, then stops this VM
