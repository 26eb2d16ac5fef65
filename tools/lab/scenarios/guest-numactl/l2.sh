# L2 half of guest-numactl (see l1.sh).
X=/sys/devices/system/xpv
N=/lab/numa
lab_check "XPV is active" lab_wait_for 60 test -e $X/nr_pnodes
# Where the policies put pages is checked here; the guest's NUMA
# balancing (guest-numab) would move them meanwhile.
lab_check "guest NUMA balancing off for this test" \
	sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
echo "XPVSYNC numactl waiting"
lab_check "L1 spread L2's memory: pnode 1 backs a third of it or more" \
	lab_wait_for 300 lab_xpv_spread

# cpu_on C P: CPU C is on pnode P, by sysfs.
cpu_on() { [ "$(pnode_of_cpu "$1")" = "$2" ]; }
lab_check "the topology settles" lab_xpv_settle

# cpus_of P: pnode P's CPU list as numactl prints it (" 0 1 3").
cpus_of() {
	_l=$(cat $X/pnode"$1"/cpulist)
	for _r in $(echo "$_l" | tr ',' ' '); do
		for _c in $(seq "${_r%-*}" "${_r#*-}"); do printf ' %s' "$_c"; done
	done
}

# hw_check NUMACTL...: its --hardware lists the pnodes of sysfs (taken
# again, up to 10 times, when the topology changed meanwhile).
hw_check() {
	_try=0
	while :; do
		_v=$(cat $X/version)
		_out=$("$@" --hardware) || { echo "$* --hardware failed"; return 1; }
		[ "$(cat $X/version)" != "$_v" ] && [ $_try -lt 10 ] ||
			break
		_try=$((_try + 1))
		sleep 1
	done
	echo "$_out"
	_n=$(cat $X/nr_pnodes)
	echo "$_out" | grep -qx "available: $_n nodes (0-$((_n - 1)))" ||
		{ echo "expected: available: $_n nodes (0-$((_n - 1)))"; return 1; }
	for _p in $(seq 0 $((_n - 1))); do
		_want="node $_p cpus:$(cpus_of "$_p")"
		echo "$_out" | grep -qx "$_want" || { echo "expected: $_want"; return 1; }
		_got=$(echo "$_out" | sed -n "s/^ *$_p: *//p" | tr -s ' ' | sed 's/ *$//')
		_wd=$(tr -s ' ' <$X/pnode"$_p"/distance | sed 's/ *$//')
		[ "$_got" = "$_wd" ] ||
			{ echo "distances from node $_p: '$_got', pnode$_p/distance says '$_wd'"; return 1; }
	done
	echo "$_out" | grep -q "(XPV pnodes).*topology version $_v;" ||
		{ echo "expected the XPV line with version $_v"; return 1; }
}
lab_check "numactl --hardware (static) lists the pnodes, their vCPUs and distances" \
	hw_check $N/numactl
lab_check "numactl --hardware on libnuma.so.1 (the vDSO's version) says the same" \
	hw_check env LD_LIBRARY_PATH=$N $N/numactl
# hw_debian: NUMA_XPV=0 numactl --hardware prints what Debian's prints.
# The free memory can change between the two runs: taken again (up to 5
# times) when only a "free" line differs.
hw_debian() {
	for _i in 1 2 3 4 5; do
		NUMA_XPV=0 $N/numactl --hardware >/tmp/hw.xpv0 &&
			$N/numactl-debian --hardware >/tmp/hw.debian || return 1
		diff /tmp/hw.debian /tmp/hw.xpv0 >/tmp/hw.diff &&
			{ cat /tmp/hw.xpv0; return 0; }
		cat /tmp/hw.diff
		[ "$(grep -v ' free: ' /tmp/hw.debian)" = "$(grep -v ' free: ' /tmp/hw.xpv0)" ] ||
			return 1
	done
	return 1
}
lab_check "NUMA_XPV=0 numactl --hardware is Debian's numactl --hardware" hw_debian

# cpubind_check P: numactl --cpunodebind=P runs on pnode P's vCPUs.
cpubind_check() {
	_got=$($N/numactl --cpunodebind="$1" cat /proc/self/status |
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p')
	_want=$(cat $X/pnode"$1"/cpulist)
	echo "Cpus_allowed_list $_got, pnode$1/cpulist $_want"
	[ "$_got" = "$_want" ]
}
lab_check "numactl --cpunodebind=0 runs on the vCPUs of pnode 0" cpubind_check 0
lab_check "numactl --cpunodebind=1 runs on the vCPUs of pnode 1" cpubind_check 1

lab_check "numactl --membind=1 numactl --show: policy bind, membind 1" \
	sh -c "$N/numactl --membind=1 $N/numactl --show >/tmp/show.out; cat /tmp/show.out;
		grep -qx 'policy: bind' /tmp/show.out && grep -qx 'membind: 1 *' /tmp/show.out"

lab_check "numactl --membind=netdev:lo refuses: a device's host node is not known" \
	sh -c "! $N/numactl --membind=netdev:lo true 2>/tmp/dev.err; cat /tmp/dev.err;
		grep -q 'host node of a device is not known' /tmp/dev.err"

# The tools that stay on the guest's own nodes say so.
# (numastat's counters per pnode: guest-numactl-suite)
lab_check "numastat -m (meminfo) stays on the guest's nodes, and says so" \
	sh -c "$N/numastat -m 2>&1 >/dev/null | grep \"guest's own\""
lab_check "migratepages refuses pnodes, saying why" \
	sh -c "! $N/migratepages $$ 0 1 2>/tmp/mp.err; cat /tmp/mp.err; grep -q 'page by page' /tmp/mp.err"
lab_check "NUMA_XPV=0 numastat says nothing of pnodes" \
	sh -c "! NUMA_XPV=0 $N/numastat 2>&1 >/dev/null | grep -i 'pnode'"

# numactl's own tests that need two nodes with memory (they skip on the
# one-node machine make check runs on), here on pnodes.
lab_check "numactl's test/move_pages: 64 pages to alternating pnodes" \
	sh -c "$N/move_pages 64 | tail -n 3 && $N/move_pages 64 | grep -qx 'Test successful.'"
lab_check "numactl's numademo -t -e 2M memset (each policy on each pnode; the make check run, 10M of every test, takes too long in L2)" \
	sh -c "$N/numademo -t -e 2M memset >/tmp/numademo.out 2>&1; rc=\$?; tail -n 8 /tmp/numademo.out; exit \$rc"

# pnode_of_cpu C: the pnode whose cpulist has CPU C, by sysfs.
pnode_of_cpu() {
	for _d in $X/pnode*; do
		case " $(cpus_of "${_d#$X/pnode}") " in
		*" $1 "*) echo "${_d#$X/pnode}"; return 0 ;;
		esac
	done
	return 1
}
# view_is K C P: in the K-th view of the running program, CPU C is on
# node P.
view_is() {
	_got=$(awk -v k="$1" -v c="$2" '/^numa: version/ { v++ }
		v == k && $2 == "cpu" && $3 == c { print $5 }' /tmp/follow.out)
	echo "view $1: cpu $2 on node ${_got:-(none)}, expected $3"
	[ "$_got" = "$3" ]
}

lab_check "the topology settles" lab_xpv_settle

# A libnuma program that caches node maps and follows the topology,
# until numa_node_of_cpu(0) says 1: L1 moves vCPU 0 there below.
{
	LD_LIBRARY_PATH=$N $N/xpv-numafollow wait 900 0 1 >/tmp/follow.out 2>&1
	echo $? >/tmp/follow.rc
} &
p0=$(pnode_of_cpu 0)
lab_check "a running libnuma program: numa_node_of_cpu(0) is $p0, vCPU 0's pnode by sysfs" \
	lab_wait_for 30 view_is 1 0 "$p0"

# numactl --membind=1, from vCPU 0 (pnode 0): the program touches 64 MiB,
# lists its pages and keeps them until L1 has looked and swapped the
# vCPUs.
lab_listed membind $N/numactl --membind=1 --physcpubind=0 \
	$N/xpv-numafollow-static touch 64 membind

lab_check "the running program saw the topology change (numa_topology_changed())" \
	sh -c 'lab_wait=$(($(date +%s) + 60))
		until [ -f /tmp/follow.rc ]; do
			[ $(date +%s) -lt $lab_wait ] || { echo "still waiting after 60 s"; exit 1; }
			sleep 0.2
		done
		echo "exit status $(cat /tmp/follow.rc)"; [ "$(cat /tmp/follow.rc)" = 0 ]'
# last_view_is C P: in the running program's last view, CPU C is on P.
last_view_is() {
	_k=$(grep -c '^numa: version' /tmp/follow.out)
	[ "$_k" -ge 2 ] || { echo "$_k view(s): the program saw no change"; return 1; }
	view_is "$_k" "$1" "$2"
}
lab_check "its libnuma then put vCPU 0 on node 1, where L1 moved it" last_view_is 0 1
sed 's/^/XPVLAB # L2:   /' /tmp/follow.out

lab_check "L1 swapped the vCPUs: vCPU 1 is on pnode 0" \
	lab_wait_for 120 cpu_on 1 0
lab_check "the topology settles" lab_xpv_settle
# numa_alloc_onnode(), on libnuma.so.1, from vCPU 0 (pnode 1 now).
lab_listed onnode env LD_LIBRARY_PATH=$N $N/numactl --physcpubind=0 \
	$N/xpv-numafollow onnode 64 0 onnode
