# L2 half of eval (see l1.sh): for each scenario S, the workloads, in
# order, each between "XPVSYNC eval S W start" and "XPVSYNC eval S W
# end", under perf stat of the guest's xpv tracepoint; "eval-csv:" lines
# for the report.
cfg=$(sed -n 's/.*xpv_eval=\([^ ]*\).*/\1/p' /proc/cmdline)
scns=$(sed -n 's/.*xpv_eval_scenarios=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
EVAL_SECONDS=${EVAL_SECONDS:-90}
EVAL_MIB=${EVAL_MIB:-64}
csv() { lab_diag "eval-csv: $cfg,$scn,$*"; }
# the guest's counters, "NAME VALUE" lines: its NUMA balancing's, XPV's
counters() {
	grep -E '^(numa_pages_migrated|numa_hint_faults|numa_hint_faults_local|xpv_interrupts|xpv_alloc_[a-z_]*) ' \
		/proc/vmstat
}

lab_check "mount the Debian root (virtio-9p through L1)" lab_rootfs_mount || exit 1
if [ -e /sys/devices/system/node/node1 ]; then
	lab_check "guest NUMA balancing on (two guest nodes)" \
		sh -c 'echo 1 >/proc/sys/kernel/numa_balancing'
fi
lab_diag "$cfg: $(ls -d /sys/devices/system/node/node* | wc -l) guest nodes, XPV $(cat /sys/devices/system/xpv/nr_pnodes 2>/dev/null || echo off) pnodes, kernel.numa_balancing $(cat /proc/sys/kernel/numa_balancing)"

# run W CMD...: CMD under perf stat, its output also in /tmp/W.out;
# returns its exit status.
run() {
	_w=$1
	shift
	counters >/tmp/before
	echo "XPVSYNC eval $scn $_w start"
	_t0=$(date +%s)
	# through tee: its XPVSYNC lines must come as they are printed
	{
		lab_rootfs perf stat -x, -a -e xpv:xpv_topology_update -o /tmp/perf.csv -- "$@"
		echo $? >/tmp/rc
	} 2>&1 | tee /tmp/"$_w".out
	_rc=$(cat /tmp/rc)
	_t=$(($(date +%s) - _t0))
	echo "XPVSYNC eval $scn $_w end"
	csv "$_w,exit_status,$_rc,"
	csv "$_w,wall_time,$_t,s"
	csv "$_w,xpv_topology_update,$(lab_perf_count /tmp/perf.csv xpv:xpv_topology_update),events"
	counters | while read -r _k _v; do
		csv "$_w,guest_$_k,$((_v - $(awk -v k="$_k" '$1 == k {print $2}' /tmp/before))),count"
	done
	return $_rc
}

memread() {
	# as in l1.sh: L1 samples EVAL_SECONDS from the first write's end
	run memread /lab/bin/xpv-numabench load "memread-$scn" "$EVAL_MIB" $((EVAL_SECONDS + 15))
	lab_check "$scn: memread ran" test $? = 0
	_r=$(sed -n "s/^numabench memread-$scn: .*, \([0-9.]*\) MiB\/s$/\1/p" /tmp/memread.out)
	lab_check "$scn: memread: its throughput (${_r:-none})" test -n "$_r"
	csv "memread,throughput,$_r,MiB/s"
}

stream() {
	run stream stress-ng --temp-path /tmp --stream 2 --timeout "${EVAL_SECONDS}s" \
		--metrics-brief
	lab_check "$scn: stress-ng --stream: a successful run" test $? = 0
	# "stress-ng: metrc: [PID] stream BOGO-OPS REAL USR SYS BOGO-OPS/S ..."
	_r=$(awk '$2 == "metrc:" && $4 == "stream" {print $9; exit}' /tmp/stream.out)
	lab_check "$scn: stress-ng --stream: its bogo ops/s (${_r:-none})" test -n "$_r"
	csv "stream,throughput,$_r,bogo-ops/s"
}

# npb: every NPB program of /lab/npb (make eval NPB_DIR=...), OpenMP on
# every vCPU.  Its verification must say SUCCESSFUL; EVAL_NPB_XFAIL
# names programs whose failed verification must be reported as one (the
# stand-in's test of this path).
npb() {
	if ! ls /lab/npb/*.x >/dev/null 2>&1; then
		lab_diag "NPB: not run, no NPB programs in /lab/npb: give make eval NPB_DIR=/path/to/NPB3.4-OMP/bin"
		return
	fi
	for _x in /lab/npb/*.x; do
		_p=$(basename "$_x")
		run "npb-$_p" env OMP_NUM_THREADS="$(nproc)" "$_x"
		_rc=$?
		_o=/tmp/npb-$_p.out
		_v=0
		grep -Eq '^ *Verification *= *SUCCESSFUL' "$_o" && [ "$_rc" = 0 ] && _v=1
		csv "npb-$_p,verified,$_v,"
		csv "npb-$_p,time,$(sed -n 's/^ *Time in seconds *= *\([0-9.]*\).*/\1/p' "$_o"),s"
		# a result that failed its verification is no throughput
		[ $_v = 0 ] ||
			csv "npb-$_p,throughput,$(sed -n 's/^ *Mop\/s total *= *\([0-9.]*\).*/\1/p' "$_o"),Mop/s"
		case " ${EVAL_NPB_XFAIL:-} " in
		*" $_p "*)
			lab_check "$scn: NPB $_p: its failed verification is reported as a failure (exit status $_rc)" \
				test $_v = 0 ;;
		*)
			lab_check "$scn: NPB $_p: verification SUCCESSFUL (exit status $_rc)" test $_v = 1 ;;
		esac
	done
}

for scn in $scns; do
	for w in ${EVAL_WORKLOADS:-memread stream npb}; do
		case $w in
		memread | stream) $w ;;
		npb)
			# L1 follows one workload named npb: one start, one end
			echo "XPVSYNC eval $scn npb start"
			npb
			echo "XPVSYNC eval $scn npb end" ;;
		*) lab_not_ok "workload $w" "unknown: EVAL_WORKLOADS takes memread stream npb" ;;
		esac
	done
done
