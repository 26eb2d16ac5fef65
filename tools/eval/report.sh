#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh LOG DIR: make eval's results from the lab's LOG (the eval
# scenario's "eval-csv:" and "eval-loc:" lines) into DIR:
#   results.csv   config,scenario,workload,metric,value,unit
#   locality.csv  config,scenario,workload,t,cpu,vcpu_node,pages,local,pct,
#                 node0,node1
# and, for each topology-change scenario S that ran (vcpu-lb, mem-rebind):
#   locality-S.png  memread's locality over time, a line per configuration
#   runtime-S.png   each workload's throughput normalised to static vNUMA,
#                   a bar per configuration
#   report.md     the tables, per scenario: XPV against each baseline, per
#                 workload
# and checks the plots (pngcheck.py): valid PNGs with each
# configuration's colour and the axes on them.
set -euo pipefail

[ $# = 2 ] || { echo "usage: $0 LOG DIR" >&2; exit 2; }
log=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "eval-report: $*" >&2; exit 1; }
command -v gnuplot >/dev/null || die "gnuplot not installed (make deps)"
mkdir -p "$dir"
res=$dir/results.csv loc=$dir/locality.csv

{
	echo "config,scenario,workload,metric,value,unit"
	tr -d '\r' <"$log" | sed -n 's/.*eval-csv: //p'
} >"$res"
{
	echo "config,scenario,workload,t,cpu,vcpu_node,pages,local,pct,node0,node1"
	tr -d '\r' <"$log" | sed -n 's/.*eval-loc: //p'
} >"$loc"
[ "$(wc -l <"$res")" -gt 1 ] || die "no eval-csv lines in $log"

# The configurations and scenarios in the order they ran; each
# configuration's colour.
configs=$(tail -n +2 "$res" | cut -d, -f1 | awk '!seen[$0]++' | tr '\n' ' ')
scenarios=$(tail -n +2 "$res" | cut -d, -f2 | awk '!seen[$0]++' | tr '\n' ' ')
colour() {
	case $1 in
	xpv) echo '#d00000' ;; vnuma) echo '#0060d0' ;; uma-hostnb) echo '#00a000' ;;
	interleave) echo '#c08000' ;; firsttouch) echo '#8000c0' ;; *) echo '#606060' ;;
	esac
}
colours=
for c in $configs; do colours="$colours $(colour "$c")"; done

# value CONFIG WORKLOAD METRIC, in scenario $scn
value() {
	awk -F, -v c="$1" -v s="$scn" -v w="$2" -v m="$3" \
		'$1 == c && $2 == s && $3 == w && $4 == m {print $5; exit}' "$res"
}
base=vnuma
case " $configs " in *" vnuma "*) ;; *) base=${configs%% *} ;; esac
describe() {
	case $1 in
	vcpu-lb)
		echo "Scenario vcpu-lb: L1 swaps the nodes of L2's two vCPU threads every"
		echo "few seconds while each workload runs (tools/lab/scenarios/eval)." ;;
	mem-rebind)
		echo "Scenario mem-rebind: every few seconds L1 moves all of L2's memory"
		echo "to one node, then to the other (migratepages), while each workload"
		echo "runs; the vCPUs stay on their nodes (tools/lab/scenarios/eval)." ;;
	*) echo "Scenario $1." ;;
	esac
}
rc=0
body=$(mktemp)
trap 'rm -f "$body"' EXIT
# one_scenario: the plots, checks and report.md part of scenario $scn
one_scenario() {
	workloads=$(awk -F, -v s="$scn" 'NR > 1 && $2 == s && $4 == "throughput" && $5 != "" {print $3}' "$res" |
		awk '!seen[$0]++' | tr '\n' ' ')
	lpng=$dir/locality-$scn.png rpng=$dir/runtime-$scn.png norm=$dir/runtime-$scn.dat
	rm -f "$lpng" "$rpng"	# a plot not made again must not pass as this run's

	# locality.png
	if [ "$(wc -l <"$loc")" -gt 1 ]; then
		p=
		for c in $configs; do
			grep -q "^$c,$scn,memread," "$loc" || continue
			p="$p${p:+, }'< grep \"^$c,$scn,memread,\" $loc' using 4:9 with linespoints lw 2 lc rgb '$(colour "$c")' title '$c'"
		done
		[ -z "$p" ] || gnuplot <<GP
set datafile separator ','
set terminal png size 1000,500 noenhanced
set output '$lpng'
set title "make eval, $scn: memread's pages on the L1 node of its vCPU (L1's move_pages), one run"
set xlabel 'seconds'
set ylabel '% local'
set yrange [0:105]
set grid
set key outside right
plot $p
GP
	fi

	# runtime-S.png: rows are workloads, a column per configuration
	{
		printf 'workload'
		for c in $configs; do printf ' %s' "$c"; done
		echo
		for w in $workloads; do
			b=$(value "$base" "$w" throughput)
			printf '%s' "$w"
			for c in $configs; do
				v=$(value "$c" "$w" throughput)
				awk -v v="$v" -v b="$b" 'BEGIN { printf " %s", (v != "" && b + 0 > 0) ? sprintf("%.3f", v / b) : "?" }'
			done
			echo
		done
	} >"$norm"
	if [ -n "$workloads" ]; then
		p="" i=2
		for c in $configs; do
			p="$p${p:+, }'$norm' using $i:xtic(1) lc rgb '$(colour "$c")' title '$c'"
			i=$((i + 1))
		done
		gnuplot <<GP
set terminal png size 1000,500 noenhanced
set output '$rpng'
set title "make eval, $scn: throughput relative to $base (higher is better), one run"
set style data histograms
set style histogram clustered gap 1
set style fill solid 1.0 border -1
set datafile missing '?'
set ylabel 'throughput / $base'
set yrange [0:*]
set grid ytics
set key outside right
plot $p
GP
	fi

	# report.md's part for this scenario
	{
		echo "## Scenario $scn"
		echo
		describe "$scn"
		echo
		echo "### Throughput relative to $base"
		echo
		printf '| workload |'
		for c in $configs; do printf ' %s |' "$c"; done
		echo
		printf '| --- |'
		for c in $configs; do printf ' --- |'; done
		echo
		tail -n +2 "$norm" | while read -r w rest; do
			echo "| $w | ${rest// / | } |"
		done
		echo
		echo "### XPV against each baseline (throughput ratio, XPV / baseline)"
		echo
		echo "| workload | baseline | XPV | baseline's | XPV / baseline |"
		echo "| --- | --- | --- | --- | --- |"
		for w in $workloads; do
			x=$(value xpv "$w" throughput)
			[ -n "$x" ] || continue
			for c in $configs; do
				[ "$c" != xpv ] || continue
				v=$(value "$c" "$w" throughput)
				awk -v w="$w" -v c="$c" -v x="$x" -v v="$v" \
					'BEGIN { printf "| %s | %s | %s | %s | %s |\n", w, c, x, v, (v + 0 > 0) ? sprintf("%.3f", x / v) : "?" }'
			done
		done
		echo
		echo "### memread's locality (L1's truth, a sample a second)"
		echo
		echo "| configuration | samples | mean % local | samples at 95% or more |"
		echo "| --- | --- | --- | --- |"
		for c in $configs; do
			awk -F, -v c="$c" -v s="$scn" '$1 == c && $2 == s && $3 == "memread" { n++; t += $9; if ($9 >= 95) h++ }
				END { if (n) printf "| %s | %d | %.1f | %d (%.0f%%) |\n", c, n, t / n, h, 100 * h / n }' "$loc"
		done
		echo
		echo "### What moved (per workload: L1's changes, pages migrated, XPV events)"
		echo
		echo "| configuration | workload | topology changes | guest pages migrated | host pages migrated (balancing) | host pages moved (all) | xpv_topology_update | kvm_xpv_publish | kvm_xpv_mem_publish |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		for c in $configs; do
			for w in $(awk -F, -v c="$c" -v s="$scn" '$1 == c && $2 == s && $4 == "topology_changes" {print $3}' "$res"); do
				printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$c" "$w" \
					"$(value "$c" "$w" topology_changes)" "$(value "$c" "$w" guest_numa_pages_migrated)" \
					"$(value "$c" "$w" host_pages_migrated)" "$(value "$c" "$w" host_pages_moved)" \
					"$(value "$c" "$w" xpv_topology_update)" \
					"$(value "$c" "$w" kvm_xpv_publish)" "$(value "$c" "$w" kvm_xpv_mem_publish)"
			done
		done
		if grep -q "^[^,]*,$scn,[^,]*,verified," "$res"; then
			echo
			echo "### NPB"
			echo
			echo "| configuration | program | verified | time (s) | Mop/s |"
			echo "| --- | --- | --- | --- | --- |"
			awk -F, -v s="$scn" '$2 == s && $4 == "verified" {print $1, $3}' "$res" | while read -r c w; do
				echo "| $c | ${w#npb-} | $(value "$c" "$w" verified) | $(value "$c" "$w" time) | $(value "$c" "$w" throughput) |"
			done
		fi
		echo
		echo "Plots: locality-$scn.png, runtime-$scn.png."
		echo
	} >>"$body"

	# The plots must show what they claim.
	if [ -f "$lpng" ]; then
		lc=
		for c in $configs; do grep -q "^$c,$scn,memread," "$loc" && lc="$lc $(colour "$c")"; done
		# shellcheck disable=SC2086
		"$here/pngcheck.py" "$lpng" 50 $lc || rc=1
	fi
	# A configuration with no throughput at all has no bars (only its key).
	for i in $(seq 2 $(($(echo $configs | wc -w) + 1))); do
		if ! tail -n +2 "$norm" | awk -v i="$i" '$i != "?" { f = 1 } END { exit !f }'; then
			echo "eval-report: $scn: $(head -n1 "$norm" | cut -d' ' -f"$i") has no throughput: no bars"
			rc=1
		fi
	done
	if [ -f "$rpng" ]; then
		# shellcheck disable=SC2086
		"$here/pngcheck.py" "$rpng" 50 $colours || rc=1
	fi
}
for scn in $scenarios; do
	one_scenario
done

{
	echo "# make eval: $(date -u +%F), one lab run"
	echo
	echo "Configurations: ${configs% }. Scenarios: ${scenarios% }."
	echo
	echo "The lab's nodes are emulated: reaching the other node costs nothing"
	echo "more, so throughput here shows what each configuration spends"
	echo "(migrations, faults, notifications), and locality is the figure that"
	echo "says where memory is. On a NUMA host both count."
	echo
	cat "$body"
	echo "Data: results.csv, locality.csv."
} >"$dir/report.md"
echo "eval-report: $dir/{results.csv,locality.csv,report.md}, locality-S.png and runtime-S.png for S in: ${scenarios% }"
exit $rc
