# Guest memory placement end to end.  L2 (kvm-xpv=on) starts with all
# its memory bound to L1 node 0; L1 then runs `migratepages <qemu> 0 1`.
# Before and after, L2's per-pnode memory (/sys/devices/system/xpv/
# pnodeN/meminfo) must agree within 5% with where L1 really keeps the
# pages of L2's RAM (/proc/<qemu>/numa_maps).  Shares are compared, not
# sizes: L2 counts whole 2 MiB chunks, L1 only the pages present.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

# L1's numa_maps for L2's RAM, the largest anonymous mapping of its
# QEMU: "<pages on node 0> <pages on node 1>".
host_split() {
	_pid=$(lab_l2_pid)
	_best=0
	_ram=
	while read -r _range _perms _off _dev _inode _path; do
		[ -z "$_path" ] || continue
		_size=$((0x${_range#*-} - 0x${_range%-*}))
		if [ "$_size" -gt "$_best" ]; then
			_best=$_size
			_ram=${_range%-*}
		fi
	done </proc/"$_pid"/maps
	awk -v s="$_ram" '$1 == s {
		n0 = 0; n1 = 0
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^N0=/) n0 = substr($i, 4)
			if ($i ~ /^N1=/) n1 = substr($i, 4)
		}
		print n0, n1 }' /proc/"$_pid"/numa_maps
}

# agree LABEL: L2's XPVSYNC line LABEL against L1's numa_maps now.
agree() {
	_g=$(grep -m1 "^XPVSYNC $1 " /tmp/l2.out | tr -d '\r')
	set -- $_g $(host_split)
	# XPVSYNC label kB0 kB1 unknown-kB n0 n1
	echo "L2 says pnode 0: $3 kB, pnode 1: $4 kB, unknown: $5 kB;" \
		"L1 numa_maps: node 0: $(($6 * 4)) kB, node 1: $(($7 * 4)) kB"
	[ $(($3 + $4)) -gt 0 ] && [ $(($6 + $7)) -gt 0 ] || return 1
	_gs=$(($4 * 1000 / ($3 + $4)))
	_hs=$(($7 * 1000 / ($6 + $7)))
	echo "node 1's share: L2 ${_gs}/1000, L1 ${_hs}/1000"
	[ $((_gs - _hs)) -le 50 ] && [ $((_hs - _gs)) -le 50 ]
}

lab_l2_start -name l2,debug-threads=on
lab_check "L2 reported its memory on pnode 0" lab_l2_wait_line 300 '^XPVSYNC before '
lab_check "before the move, L2's pnode shares agree with L1's numa_maps within 5%" \
	agree before
lab_check "L1 KVM published L2's memory: xpv_mem_updates $(lab_kvm_stat xpv_mem_updates) >= 1" \
	test "$(lab_kvm_stat xpv_mem_updates)" -ge 1

u0=$(lab_kvm_stat xpv_mem_updates)
t0=$(date +%s)
lab_check "migratepages $(lab_l2_pid) 0 1" migratepages "$(lab_l2_pid)" 0 1
dt=$(($(date +%s) - t0))
lab_diag "migratepages took $dt s"
lab_check "L2 saw its memory move to pnode 1" lab_l2_wait_line 300 '^XPVSYNC after '
lab_check "after the move, L2's pnode shares agree with L1's numa_maps within 5%" \
	agree after
# QEMU's view (query-xpv: whole 2 MiB chunks as KVM published them)
# against L2's (the RAM in them; chunk 0 holds the legacy hole, and a
# chunk may arrive between the two reads): within 2%, or two chunks.
qmp_agrees() {
	set -- $(grep -m1 "^XPVSYNC after " /tmp/l2.out | tr -d '\r') \
		"$(lab_xpv_pnode_kb 0)" "$(lab_xpv_pnode_kb 1)"
	echo "L2 says pnode 0: $3 kB, pnode 1: $4 kB; query-xpv: $6 kB, $7 kB"
	_tol=$((($3 + $4) / 50))
	[ "$_tol" -ge 4096 ] || _tol=4096
	for _d in $(($6 - $3)) $(($3 - $6)) $(($7 - $4)) $(($4 - $7)); do
		[ "$_d" -le "$_tol" ] || return 1
	done
}
lab_check "query-xpv's memory per pnode agrees with L2's (2% or two chunks)" qmp_agrees
u1=$(lab_kvm_stat xpv_mem_updates)
lab_diag "the move: $((u1 - u0)) memory updates, $(lab_kvm_stat xpv_mem_chunks) chunks changed in all," \
	"$(lab_kvm_stat xpv_notifications) notifications, $(lab_kvm_stat xpv_coalesced) coalesced"
# At most one update per 100 ms window of the move, and a few rechecks.
max=$(((dt + 1) * 10 + 5))
lab_check "the move was published in few updates: $((u1 - u0)) <= $max" \
	test $((u1 - u0)) -ge 1 -a $((u1 - u0)) -le $max

# Back to node 0, by name, as an operator would.
lab_check "xpvctl mem l2 0" xpvctl mem l2 0
lab_check "L2 saw its memory come back to pnode 0" lab_l2_wait_line 300 '^XPVSYNC back '
lab_check "back on node 0, L2's pnode shares agree with L1's numa_maps within 5%" \
	agree back
lab_check "L2 finished its checks" lab_l2_wait_line 120 '^XPVSYNC checked'
kill "$(lab_l2_pid)"
lab_check "L2's QEMU stopped on SIGTERM" lab_l2_wait
