#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lab-soak SCENARIO=name N=20`: run one lab scenario N times and
# say how often it failed, why, and which retries (named TCG flakes,
# tools/lab/README.md) the harness took.  Logs of failed runs, and of
# runs that took a retry, stay in build/lab/soak-<scenario>/<i>/; those
# of the other passing runs are dropped.
# Extra lab.sh options come after the scenario's name (LAB_ARGS).
set -uo pipefail

NAME=soak
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: ci/soak.sh SCENARIO N [lab.sh options]"
scenario=$1 n=$2
shift 2
[[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not '$n'"
dir=$BUILD/lab/soak-$(basename "$scenario")
rm -rf "$dir"
mkdir -p "$dir"
# this soak's retries only, though another soak or make test runs beside
export XPV_RETRIES_LOG=$dir/retries.log
retries=$XPV_RETRIES_LOG
: >"$retries"

# Under single-threaded TCG a lab run keeps one host CPU busy: runs go
# XPV_SOAK_LANES at a time (default one per host CPU, at most 2), and are
# reported in order as they end.
lanes=$(lab_lanes XPV_SOAK_LANES) || exit 1
say "$scenario: $n runs, $lanes at a time"

# run_one I [lab.sh options]: run I, its status and seconds in $dir/I.rc
run_one() {
	local i=$1 t rc
	shift
	t=$(date +%s)
	lab_lane_run "$dir/$i.pid" "$TOP/tools/lab/lab.sh" --out "$dir/$i" "$@" \
		"$scenario" >"$dir/$i.out" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - t))" >"$dir/$i.rc.tmp"
	mv "$dir/$i.rc.tmp" "$dir/$i.rc"
}

# report I: count run I, which has ended, and say how it went.
report() {
	local i=$1 rc secs cause result
	read -r rc secs <"$dir/$i.rc"
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		result=ok
		# a retried flake's logs stay, to be read
		grep -q '^# lab: retry' "$dir/$i.out" || rm -rf "${dir:?}/$i"
	else
		fail=$((fail + 1))
		cause=$(grep -m1 '^not ok' "$dir/$i.out" | sed 's/^not ok [0-9]* - //')
		[ -n "$cause" ] || cause="lab.sh failed: $(tail -n 1 "$dir/$i.out")"
		echo "run $i: $cause" >>"$dir/causes"
		result="FAILED: $cause (logs $dir/$i)"
	fi
	grep -h '^# lab: retry' "$dir/$i.out" | sed "s/^/soak: run $i: /"
	say "run $i/$n: $result ($secs s; $pass passed, $fail failed so far)"
}

trap 'lab_lanes_stop "$dir"; exit 143' INT TERM HUP
pass=0 fail=0 start=$(date +%s) running=0 next=1
: >"$dir/causes"
for i in $(seq 1 "$n"); do
	if [ "$running" -ge "$lanes" ]; then
		wait -n
		running=$((running - 1))
	fi
	while [ "$next" -lt "$i" ] && [ -f "$dir/$next.rc" ]; do
		report "$next"
		next=$((next + 1))
	done
	run_one "$i" "$@" &
	running=$((running + 1))
done
wait
while [ "$next" -le "$n" ]; do
	report "$next"
	next=$((next + 1))
done

taken=$(wc -l <"$retries")
echo
echo "soak: $scenario: $pass of $n runs passed, $fail failed" \
	"($((fail * 100 / n))% failure rate) in $(($(date +%s) - start)) s"
if [ "$fail" -gt 0 ]; then
	echo "soak: causes:"
	sed 's/^/  /' "$dir/causes"
fi
echo "soak: retries taken: $taken in $n runs"
sed 's/^/  /' "$retries"
[ "$fail" -eq 0 ]
