# NUMA balancing on pnodes: memory and tasks follow the host's moves.
# L2 (XPV, UMA, 2 vCPUs, 512 MiB) starts with vCPU 0 on L1 node 0,
# vCPU 1 on node 1 and its RAM on node 0; L1 then moves every other
# 2 MiB chunk of it to node 1, so both pnodes have free memory.  L1's
# own NUMA balancing is off: it would move L2's memory itself.
#
# Follow the vCPU: xpv_numab_test, pinned to vCPU 0, writes 64 MiB
# (on pnode 0) and asks L1 to move vCPU 0 to node 1; 95% of the buffer
# must follow it there within 60 s, and stay (under 1% of it migrating
# in 30 s more).  Churn: two readers balance while L1 swaps the vCPUs'
# nodes every 100 ms.  Then an L2 with two vCPUs on each node.  Follow
# the memory: the test writes 64 MiB, L1 moves those pages to the other
# node; within 60 s 95% of the buffer must be on the pnode the test
# runs on, and the test must stay there.  Shared memory: two threads
# that start on different pnodes and share 64 MiB must end up in one
# numa_group, on one pnode, with 90% of the buffer there.  After each,
# L1 pauses L2 and checks every page L2 lists against where L1 keeps it
# (move_pages on QEMU's memory), and that 95% of them (shared: 90%) are
# on the pnode L2 says the test ends on.  Control: the vCPU move again, in an
# L2 with xpv=off.  On the debug kernel (make test's lab-debug-*), only
# follow the vCPU (32 MiB, 180 s), the churn and the control run.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_PREFIX="numactl --membind=0"

lab_check "L1's own NUMA balancing off (kernel.numa_balancing=0)" \
	sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
lab_l2_start_apart -mem-prealloc
lab_check "L2 is up" lab_l2_wait_line 300 '^XPVSYNC numab up'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1

# block N: the XPVPAGES lines L2 printed before its Nth "XPVSYNC numab
# <cue>" line of any cue.
block() {
	tr -d '\r' </tmp/l2.out | awk -v want="$1" '
		/^XPVPAGES / { b = b $0 "\n"; next }
		/^XPVSYNC numab / { if (++n == want) { printf "%s", b; exit } b = "" }'
}
cue_n() { tr -d '\r' </tmp/l2.out | grep -c '^XPVSYNC numab '; }

# listed_on N NODE [PERCENT]: with L2 paused, every page of block N is
# where L2 says, and PERCENT (95) of them are on L1 node NODE.
listed_on() {
	_out=$(block "$1" | xpv-pagecheck check "$(lab_l2_pid)")
	_rc=$?
	echo "$_out"
	_all=$(echo "$_out" | sed -n 's/^pages \([0-9]*\):.*/\1/p')
	_on=$(echo "$_out" | sed -n "s/^  node $2: .* the host has \([0-9]*\) of them/\1/p")
	echo "host: ${_on:-0} of ${_all:-0} listed pages on node $2 (${3:-95}% wanted)"
	[ "$_rc" = 0 ] && [ "${_all:-0}" -gt 0 ] &&
		[ $((${_on:-0} * 100)) -ge $((_all * ${3:-95})) ]
}

check_listed() { # WHAT [PERCENT]
	lab_check "L2 listed its pages after following the $1" \
		lab_l2_wait_line 600 "^XPVSYNC numab listed $1 "
	_p=$(tr -d '\r' </tmp/l2.out | sed -n "s/^XPVSYNC numab listed $1 \([0-9]*\)/\1/p")
	_n=$(tr -d '\r' </tmp/l2.out | grep '^XPVSYNC numab ' | grep -n "listed $1 " | cut -d: -f1)
	lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
	nb_share=", and ${2:-95}% on node $_p"
	[ "${2:-95}" != 0 ] || nb_share=
	lab_check "by L1's move_pages(), L2's pages are where it says$nb_share (follow the $1)" \
		listed_on "$_n" "$_p" "${2:-95}"
	lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
}

lab_check "L2 asks for vCPU 0 to move" lab_l2_wait_line 600 '^XPVSYNC numab move-vcpu 0'
lab_check "move vCPU 0 (thread $(lab_vcpu_tid 0)) to L1 node 1" \
	taskset -p -c "$(cat /sys/devices/system/node/node1/cpulist)" "$(lab_vcpu_tid 0)"
check_listed vcpu

# The debug kernel runs follow the vCPU (slower: 32 MiB, 180 s) and the
# churn, for its checkers; follow the memory and shared memory run on
# the lab kernel only, in an L2 with two vCPUs on each node (below).

# Churn: L1 swaps the vCPUs' nodes every 100 ms while two readers in L2
# balance; the kernels must stay quiet (the debug kernel's checkers).
lab_check "L2 starts its churn" lab_l2_wait_line 600 '^XPVSYNC numab churn[[:space:]]*$'
swaps=0
until tr -d '\r' </tmp/l2.out | grep -q '^XPVSYNC numab churn-done' ||
	[ -f /tmp/l2.rc ] || [ $swaps -ge 3000 ]; do
	if [ $((swaps % 2)) = 0 ]; then a=1 b=0; else a=0 b=1; fi
	taskset -p -c "$(lab_node_cpu $a)" "$t0" >/dev/null &&
		taskset -p -c "$(lab_node_cpu $b)" "$t1" >/dev/null
	swaps=$((swaps + 1))
	sleep 0.1
done
lab_check "L1 swapped L2's vCPUs' nodes at least 20 times during the churn ($swaps)" \
	test $swaps -ge 20
lab_check "L2 ran to completion" lab_l2_done

# Follow the memory and shared memory, on the lab kernel: an L2 with 4
# vCPUs, vCPUs 0 and 1 on L1 node 0, 2 and 3 on node 1, so that a task
# that meets its memory has an idle vCPU beside it (with one vCPU per
# node, any other runnable task justifies pulling it to the other node),
# and two threads fit on either pnode.
if ! lab_debug_kernel; then
	nb_append=$LAB_L2_APPEND nb_cpus=$LAB_L2_CPUS
	LAB_L2_CPUS=4
	LAB_L2_APPEND="$LAB_L2_APPEND numab=pairs"
	lab_l2_start -name l2,debug-threads=on -S -mem-prealloc
	lab_check "L2's 4 vCPU threads are up" lab_wait_for 60 lab_vcpu_tid 3
	nb_pin() {
		for _v in 0 1 2 3; do
			taskset -p -c "$(cat /sys/devices/system/node/node$((_v / 2))/cpulist)" \
				"$(lab_vcpu_tid $_v)" || return 1
		done
	}
	lab_check "pin vCPUs 0 and 1 to L1 node 0, vCPUs 2 and 3 to node 1" nb_pin
	lab_check "QMP: let L2 run" lab_wait_for 30 lab_qmp '{"execute":"cont"}'
	lab_check "L2 (4 vCPUs) is up" lab_l2_wait_line 300 '^XPVSYNC numab up'
	lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
		xpv-pagecheck stripe "$(lab_l2_pid)" 1
	lab_check "L2 asks for its vCPUs where they started" \
		lab_l2_wait_line 600 '^XPVSYNC numab apart'
	lab_check "pin vCPUs 0 and 1 to L1 node 0, vCPUs 2 and 3 to node 1 (again)" nb_pin
	lab_check "L2 lists the pages to move" lab_l2_wait_line 600 '^XPVSYNC numab move-pages '
	to=$(tr -d '\r' </tmp/l2.out | sed -n 's/^XPVSYNC numab move-pages \([0-9]*\)/\1/p')
	block "$(cue_n)" >/tmp/numab.move
	lab_check "xpv-pagecheck move: the $(wc -l </tmp/numab.move) page ranges L2 listed to node $to" \
		xpv-pagecheck move "$(lab_l2_pid)" "$to" </tmp/numab.move
	check_listed memory
	# The pair and its memory gathered on one pnode (xpv_numab_test.c
	# asks 90% of the reads local): 90% of the pages there by L1's truth
	check_listed shared 90
	lab_check "L2 (4 vCPUs) ran to completion" lab_l2_done
	LAB_L2_CPUS=$nb_cpus
	LAB_L2_APPEND=$nb_append
fi

# Control: the same vCPU move in an L2 booted with xpv=off, a UMA guest
# that knows nothing of L1's nodes: its memory stays where L1 put it.
# The figures are printed; only "no XPV" is asserted.
LAB_L2_APPEND="$LAB_L2_APPEND xpv=off"
lab_l2_start_apart -mem-prealloc
lab_check "L2 (xpv=off) is up" lab_l2_wait_line 300 '^XPVSYNC numab up'
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1
lab_check "L2 (xpv=off) asks for vCPU 0 to move" \
	lab_l2_wait_line 180 '^XPVSYNC numab move-vcpu 0'
lab_check "move vCPU 0 (thread $(lab_vcpu_tid 0)) to L1 node 1" \
	taskset -p -c "$(cat /sys/devices/system/node/node1/cpulist)" "$(lab_vcpu_tid 0)"
# 30 s of reading, then the listing: about 40 s in all
lab_check "L2 (xpv=off) listed its pages" \
	lab_l2_wait_line 180 '^XPVSYNC numab listed control'
lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
where=$(block "$(cue_n)" | xpv-pagecheck check "$(lab_l2_pid)" |
	sed -n 's/^  node \([0-9]*\): .* the host has \([0-9]*\) of them/\2 pages on node \1/p' |
	tr '\n' ' ')
lab_diag "control (xpv=off), 30 s after vCPU 0 moved to node 1: ${where:-no page found}"
lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
lab_check "L2 (xpv=off) ran to completion" lab_l2_done
