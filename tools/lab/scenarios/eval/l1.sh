# make eval: the evaluation matrix in the lab, every configuration side
# by side in one run, under each topology-change scenario.
#
# Scenarios (EVAL_SCENARIOS, a subset in this order; each runs every
# workload, in the same L2).  L2 has 2 vCPUs, vCPU 0 on L1 node 0 and
# vCPU 1 on node 1 when each workload starts.
#   vcpu-lb     vCPU load balancing, the thesis' main one: while a
#               workload runs, L1 swaps the two vCPU threads' nodes every
#               EVAL_PERIOD seconds (default 30).  The thesis moved vCPUs
#               5 to 20 times a minute on hardware; nested TCG runs the
#               guest about 10 times slower, so 2 a minute here is about
#               its slowest rate (10 s, QUICK's and make test's, about
#               its fastest).
#   mem-rebind  memory rebinding: every EVAL_PERIOD seconds L1 moves all
#               of L2's memory (QEMU's, migratepages) to node 1, then to
#               node 0, and so on, as a host that consolidates memory or
#               frees a node would; the vCPUs stay apart.
#
# Configurations (EVAL_CONFIGS, a subset in this order):
#   xpv         kvm-xpv=on, UMA, RAM first touched by the vCPUs, the
#               guest's NUMA balancing on pnodes (on by itself)
#   vnuma       static vNUMA matching the initial placement: guest node
#               N = vCPU N and half the RAM, bound to L1 node N; the
#               guest's NUMA balancing on
#   uma-hostnb  UMA, first touch, L1's NUMA balancing on
#   interleave  UMA, RAM interleaved over L1's nodes 0 and 1
#   firsttouch  UMA, first touch, no balancing anywhere
# L1's NUMA balancing is off except in uma-hostnb.
#
# Workloads (EVAL_WORKLOADS, run in this order in each L2; l2.sh):
#   memread     xpv-numabench's load: EVAL_MIB MiB (64) written, then
#               read for EVAL_SECONDS (90), unpinned; its throughput, and its
#               locality sampled every second by L1 (the share of its
#               pages on the L1 node of the vCPU it runs on, by L1's
#               move_pages())
#   stream      stress-ng --stream 2 for EVAL_SECONDS (bogo ops/s)
#               (memread and stream: 2 topology changes or more each,
#               with the default period)
#   npb         every *.x of /lab/npb (make eval NPB_DIR=...): NPB's
#               verification, time and Mop/s
# L2 prints "eval-csv: CONFIG,SCENARIO,WORKLOAD,METRIC,VALUE,UNIT", L1
# the locality series "eval-loc: CONFIG,WORKLOAD,t,..." and its own
# counters as eval-csv lines; tools/eval/report.sh makes the CSV, the
# plots and the report.  Lab timings are for ratios within one run, and
# L1's emulated nodes cost the same to reach: in the lab, locality is
# the figure; runtime shows only what each configuration spends.
EVAL_CONFIGS=${EVAL_CONFIGS:-xpv vnuma uma-hostnb interleave firsttouch}
EVAL_SCENARIOS=${EVAL_SCENARIOS:-vcpu-lb mem-rebind}
EVAL_PERIOD=${EVAL_PERIOD:-30}
SHM=/dev/shm/xpv-numabench
BASE_CPU=$LAB_L2_CPU
BASE_APPEND=$LAB_L2_APPEND
BASE_CPUS=$LAB_L2_CPUS

csv() { lab_diag "eval-csv: $cfg,$scn,$*"; }

lab_check "mount the Debian root (virtio-9p) for perf" lab_rootfs_mount || exit 1

# changer: every EVAL_PERIOD s until /tmp/eval.stop, the scenario's
# change: swap the vCPU threads' nodes (vcpu-lb), or move all of L2's
# memory to the node it was not last moved to (mem-rebind: node 1
# first in each L2, /tmp/eval.node across its workloads); counts the
# changes in /tmp/eval.changes.
changer() {
	_n=0
	echo 0 >/tmp/eval.changes
	while [ ! -e /tmp/eval.stop ]; do
		sleep "$EVAL_PERIOD"
		[ ! -e /tmp/eval.stop ] || break
		_n=$((_n + 1))
		case $scn in
		vcpu-lb)
			if [ $((_n % 2)) = 1 ]; then
				lab_l2_pin_apart 1 0 >/dev/null
			else
				lab_l2_pin_apart 0 1 >/dev/null
			fi ;;
		mem-rebind)
			_to=$((1 - $(cat /tmp/eval.node 2>/dev/null || echo 0)))
			lab_rootfs migratepages "$(lab_l2_pid)" all $_to &&
				echo $_to >/tmp/eval.node ;;
		esac || { echo "changer: $scn's change $_n failed" >&2; break; }
		echo $_n >/tmp/eval.changes
	done
}

# workload W: follow L2's workload W: start the changer (and the
# sampler for memread) when it starts, stop them when it ends.
workload() {
	_w=$1
	lab_check "$cfg, $scn: L2 starts $_w" lab_l2_wait_line 600 "^XPVSYNC eval $scn $_w start"
	lab_check "$cfg, $scn: vCPU 0 on node 0, vCPU 1 on node 1" lab_l2_pin_apart
	rm -f /tmp/eval.stop
	_h0=$(lab_vmstat numa_pages_migrated) _m0=$(lab_vmstat pgmigrate_success)
	rm -f /tmp/eval-perf.on
	lab_rootfs perf stat -x, -a -e kvm:kvm_xpv_publish,kvm:kvm_xpv_mem_publish \
		-o /tmp/eval-perf.csv -- sh -c ': >/tmp/eval-perf.on
			until [ -e /tmp/eval.stop ]; do sleep 0.5; done' &
	_perf=$!
	lab_wait_for 60 test -e /tmp/eval-perf.on || lab_diag "$cfg, $scn: L1's perf did not start in 60 s"
	changer &
	_ch=$!
	if [ "$_w" = memread ]; then
		lab_check "$cfg, $scn: L2's memread waits" \
			lab_l2_wait_line 600 "^XPVSYNC numabench memread-$scn waiting"
		xpv-numabench go $SHM
		lab_check "$cfg, $scn: memread has written its buffer" \
			lab_l2_wait_line 600 "^XPVSYNC numabench memread-$scn loaded"
		# shellcheck disable=SC2086 # the ranges are words
		xpv-numabench sample "$(lab_l2_pid)" $SHM "${EVAL_SECONDS:-90}" $ranges >/tmp/eval-loc.out
		lab_check "$cfg, $scn: memread's locality sampled ($(grep -c '^[0-9]' /tmp/eval-loc.out) samples)" \
			grep -q '^[0-9]' /tmp/eval-loc.out
		grep '^[0-9]' /tmp/eval-loc.out | while IFS= read -r _l; do
			lab_diag "eval-loc: $cfg,$scn,memread,$_l"
		done
	fi
	lab_check "$cfg, $scn: L2's $_w ends" lab_l2_wait_line 900 "^XPVSYNC eval $scn $_w end"
	: >/tmp/eval.stop
	wait $_ch $_perf
	csv "$_w,topology_changes,$(cat /tmp/eval.changes),count"
	csv "$_w,host_pages_migrated,$(($(lab_vmstat numa_pages_migrated) - _h0)),pages"
	# all of L1's page migrations: its balancing's and migratepages'
	csv "$_w,host_pages_moved,$(($(lab_vmstat pgmigrate_success) - _m0)),pages"
	for _e in kvm_xpv_publish kvm_xpv_mem_publish; do
		csv "$_w,$_e,$(lab_perf_count /tmp/eval-perf.csv "kvm:$_e"),events"
	done
}

# config NAME L1-BALANCING QEMU-ARGS...: one L2, every workload.
config() {
	cfg=$1
	lab_check "$cfg: L1's NUMA balancing $2" \
		sh -c "echo $([ "$2" = on ] && echo 1 || echo 0) >/proc/sys/kernel/numa_balancing"
	shift 2
	rm -f $SHM /tmp/eval.node
	LAB_L2_APPEND="$BASE_APPEND xpv_eval=$cfg xpv_eval_scenarios=$(echo $EVAL_SCENARIOS | tr ' ' ,)"
	lab_l2_start_apart \
		-object memory-backend-file,id=nbshm,mem-path=$SHM,size=1M,share=on \
		-device ivshmem-plain,memdev=nbshm "$@"
	# Guest RAM in two backends (vnuma): where each half is in QEMU,
	# for the sampler (otherwise: QEMU's largest mapping, from GPA 0).
	ranges=
	if [ "$cfg" = vnuma ]; then
		_hb=$((LAB_L2_MEM * 1024 * 1024 / 2))
		ranges="0:$_hb:$(lab_gpa2hva 0) $_hb:$_hb:$(lab_gpa2hva $_hb)"
		lab_diag "$cfg: guest RAM in QEMU: $ranges"
	fi
	for scn in $EVAL_SCENARIOS; do
		for w in ${EVAL_WORKLOADS:-memread stream npb}; do
			workload "$w"
		done
	done
	lab_check "$cfg: L2 ran to completion" lab_l2_done
	LAB_L2_CPU=$BASE_CPU LAB_L2_CPUS=$BASE_CPUS
}

_s=
for scn in $EVAL_SCENARIOS; do
	case $scn in
	vcpu-lb | mem-rebind) _s="$_s $scn" ;;
	*) lab_not_ok "scenario $scn" "unknown: EVAL_SCENARIOS takes vcpu-lb mem-rebind" ;;
	esac
done
EVAL_SCENARIOS=${_s# }
half=$((LAB_L2_MEM / 2))
for c in $EVAL_CONFIGS; do
	case $c in
	xpv)
		LAB_L2_CPU="$BASE_CPU,kvm-xpv=on"
		config xpv off ;;
	vnuma)
		LAB_L2_CPUS=2,sockets=2,cores=1,threads=1
		config vnuma off \
			-object memory-backend-ram,id=m0,size=${half}M,policy=bind,host-nodes=0,prealloc=on \
			-object memory-backend-ram,id=m1,size=${half}M,policy=bind,host-nodes=1,prealloc=on \
			-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 ;;
	uma-hostnb) config uma-hostnb on ;;
	interleave)
		config interleave off \
			-object memory-backend-ram,id=mi,size=${LAB_L2_MEM}M,policy=interleave,host-nodes=0-1,prealloc=on \
			-machine memory-backend=mi ;;
	firsttouch) config firsttouch off ;;
	*) lab_not_ok "configuration $c" "unknown: EVAL_CONFIGS takes xpv vnuma uma-hostnb interleave firsttouch" ;;
	esac
done
lab_check "L1's NUMA balancing off again" sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
