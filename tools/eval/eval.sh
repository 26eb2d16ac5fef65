#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make eval: the evaluation matrix in the lab (tools/lab/scenarios/eval),
# then its report (report.sh) in $EVAL_OUT (default build/eval/<date>).
#   QUICK=1       xpv, vnuma and firsttouch, 20 s per workload, a change
#                 every 10 s: about 20 minutes instead of about 50
#   NPB_DIR=DIR   DIR's *.x (NPB3.4-OMP's bin/) run in each L2, OpenMP on
#                 every vCPU, their verification checked
#   NPB_XFAIL=P.. programs whose failed verification must be reported
#                 as one (make test's stand-in)
#   EVAL_CONFIGS, EVAL_SCENARIOS, EVAL_WORKLOADS, EVAL_SECONDS,
#   EVAL_PERIOD, EVAL_MIB
#                 override the scenario's (and QUICK's) choices
#                 (tools/lab/scenarios/eval/l1.sh)
#   LABOPTS=...   more lab.sh options
# Prints TAP; exit status 0 when the lab run and the report passed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
out=${EVAL_OUT:-$BUILD/eval/$(date -u +%Y-%m-%dT%H%M%S)}
if [ "${QUICK:-0}" = 1 ]; then
	: "${EVAL_CONFIGS:=xpv vnuma firsttouch}" "${EVAL_SECONDS:=20}" "${EVAL_PERIOD:=10}"
	timeout=1800
else
	timeout=5400
fi
# One L2 runs every workload of its configuration: as long as the run.
sets=(--l2-timeout $((timeout - 120)))
for v in EVAL_CONFIGS EVAL_SCENARIOS EVAL_WORKLOADS EVAL_SECONDS EVAL_PERIOD EVAL_MIB; do
	[ -z "${!v:-}" ] || sets+=(--set "$v=${!v}")
done
files=()
if [ -n "${NPB_DIR:-}" ]; then
	[ -d "$NPB_DIR" ] || { echo "eval: NPB_DIR $NPB_DIR is not a directory" >&2; exit 2; }
	ls "$NPB_DIR"/*.x >/dev/null 2>&1 ||
		{ echo "eval: NPB_DIR $NPB_DIR has no *.x (NPB3.4-OMP's bin/ after make suite)" >&2; exit 2; }
	files+=(--l2-file "$(cd "$NPB_DIR" && pwd):/lab/npb")
fi
[ -z "${NPB_XFAIL:-}" ] || sets+=(--set "EVAL_NPB_XFAIL=$NPB_XFAIL")
mkdir -p "$out"
# A reused EVAL_OUT (make test's) must not show an earlier run's results.
rm -f "$out"/results.csv "$out"/locality.csv "$out"/report.md "$out"/*.png "$out"/*.dat
echo "# eval: the lab run (progress below); results in ${out#"$TOP"/}"
rc=0
# Progress: L1's checks as they come (lab.sh prints its results at the end).
(
	until [ -f "$out/lab/l1.out" ]; do sleep 1; done
	tail -n +1 -F "$out/lab/l1.out" 2>/dev/null |
		sed -un 's/\r$//; s/^XPVLAB \(ok\|not ok\) L1: \(.*\)/# eval: [\1] \2/p'
) &
follow=$!
# shellcheck disable=SC2086
"$TOP/tools/lab/lab.sh" --out "$out/lab" --timeout "$timeout" "${sets[@]}" "${files[@]}" \
	${LABOPTS:-} eval >"$out/lab.out" || rc=1
pkill -P $follow 2>/dev/null || true
kill $follow 2>/dev/null || true
wait $follow 2>/dev/null || true
cat "$out/lab.out"
if "$TOP/tools/eval/report.sh" "$out/lab.out" "$out" >"$out/report.log" 2>&1; then
	echo "ok - eval: report, CSV and plots (${out#"$TOP"/}/report.md)"
else
	echo "not ok - eval: report, CSV and plots # $(tail -n 3 "$out/report.log" | tr '\n' ' ')"
	rc=1
fi
sed 's/^/# /' "$out/report.log"
# Every configuration and workload that ran has its rows, in each
# scenario.
for cs in $(tail -n +2 "$out/results.csv" 2>/dev/null | cut -d, -f1,2 | sort -u); do
	n=$(awk -F, -v cs="$cs" '$1 "," $2 == cs && $4 == "throughput" && $5 != ""' "$out/results.csv" | wc -l)
	if [ "$n" -ge 2 ]; then
		echo "ok - eval: ${cs/,/, } has $n workloads' throughput in results.csv"
	else
		echo "not ok - eval: ${cs/,/, } has $n workloads' throughput in results.csv # 2 or more expected"
		rc=1
	fi
done
ln -sfn "$(basename "$out")" "$BUILD/eval/latest" 2>/dev/null || true
[ ! -f "$out/report.md" ] || cat "$out/report.md"
exit $rc
