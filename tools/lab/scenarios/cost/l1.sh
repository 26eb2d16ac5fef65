# The lab's deterministic cost model (make bench BENCH=cost, and make
# test's lab-cost, both through tools/eval/cost.sh, which loads the TCG
# plugin xpv-insn.so into L1's QEMU and reads what it counted).  In L2,
# xpv-insncount runs each code path 4096 times between the plugin's
# markers: a page fault on a fresh page (twice: the two series must
# agree within 1%), the xpv_version() vDSO call, getppid(), and with XPV
# active the topology interrupt, from its entry to its iretq (twice, 64
# each: L1 moves vCPU 0 between its nodes until L2 has them).  L2 boots
# with XPV active, then with XPV active and vCPU 0's pnode without
# memory (page faults only), then with xpv=off, then (when make bench gave L1
# /lab/bzImage.pristine) the unpatched kernel.  L1 names each series the
# plugin printed, in order: "cost-series: CONFIG MODE".
plain_cpu=$LAB_L2_CPU
plain_append=$LAB_L2_APPEND

# irq_cue WHAT N: L2 said "XPVSYNC insncount irq WHAT" N times or more.
irq_cue() {
	[ "$(tr -d '\r' </tmp/l2.out | grep -c "^XPVSYNC insncount irq $1")" -ge "$2" ]
}

# irq_cue_or_end ROUND: L2's program is ready for ROUND's interrupts,
# or L2 is done with its code paths.
irq_cue_or_end() {
	irq_cue ready "$1" || tr -d '\r' </tmp/l2.out | grep -q '^XPVSYNC cost done'
}

# irq_ready ROUND: L2's program is ready for ROUND's interrupts (within
# 600 s); fails at once, saying so, when L2 is done with its code paths
# without it.
irq_ready() {
	lab_wait_for 600 irq_cue_or_end "$1" || { echo "no cue from L2 in 600 s"; return 1; }
	irq_cue ready "$1" ||
		{ echo "L2 ran its code paths without round $1 of interrupts (no XPV in L2?)"; return 1; }
}

# irq_moves ROUND: move vCPU 0 between CPU 0 (node 0) and the last CPU
# of node 1 (not vCPU 1's: two vCPUs on one CPU would close each other's
# windows) every 0.3 s until L2's program has ended ROUND (at most 400
# moves), then back to CPU 0.
irq_moves() {
	_i=0
	_far=$(sed 's/.*[-,]//' /sys/devices/system/node/node1/cpulist)
	while ! irq_cue "done" "$1"; do
		[ $_i -lt 400 ] || { echo "400 moves and L2 still waits"; return 1; }
		_i=$((_i + 1))
		if [ $((_i % 2)) = 1 ]; then _cpu=$_far; else _cpu=$(lab_node_cpu 0); fi
		taskset -p -c "$_cpu" "$(lab_vcpu_tid 0)" >/dev/null || return 1
		sleep 0.3
	done
	echo "$_i moves"
	taskset -p -c "$(lab_node_cpu 0)" "$(lab_vcpu_tid 0)" >/dev/null
}

# config NAME [QEMU-ARGS]: boot L2 as configured, its vCPUs pinned (vCPU 0, where
# the counts are taken, to L1 node 0): a vCPU thread that L1 moved to
# the other node mid-series would change the guest's pnode, drain its
# pcp lists and hand out pages L1 has not backed yet (a run of
# 2026-12-06 counted 8018 instructions per fault for most of a series,
# against 2663); name the series it ran.
config() {
	_c=$1
	shift
	lab_l2_start_apart "$@"
	set -- "$_c"
	if [ "$1" = active ]; then
		for _r in 1 2; do
			lab_check "$1: L2 waits for topology interrupts (round $_r)" \
				irq_ready $_r
			lab_check "$1: L1 moves vCPU 0 between its nodes until L2 counted 64 interrupts (round $_r)" \
				irq_moves $_r
		done
	fi
	lab_check "$1: L2 ran its code paths" lab_l2_wait_line 600 '^XPVSYNC cost done'
	lab_check "$1: L2 ran to completion" lab_l2_wait
	tr -d '\r' </tmp/l2.out | sed -n 's/.*XPVSYNC insncount \([a-z]*\) done .*/\1/p' |
		while read -r _m; do lab_diag "cost-series: $1 $_m"; done
}

LAB_L2_CPU="$plain_cpu,kvm-xpv=on"
config active
# XPV active, and vCPU 0's pnode without memory: L2's RAM all on L1
# node 1, where vCPU 1 runs (the page-fault series only).
LAB_L2_PREFIX="numactl --membind=1"
LAB_L2_APPEND="$plain_append cost=short"
config short -mem-prealloc
LAB_L2_PREFIX=
LAB_L2_APPEND="$plain_append xpv=off"
config off
if [ -f /lab/bzImage.pristine ]; then
	LAB_L2_CPU=$plain_cpu LAB_L2_APPEND=$plain_append LAB_L2_KERNEL=/lab/bzImage.pristine
	config pristine
	LAB_L2_KERNEL=/lab/bzImage
else
	lab_diag "no unpatched kernel (/lab/bzImage.pristine): make bench BENCH=cost gives it"
fi
