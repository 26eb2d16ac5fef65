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
retries=$BUILD/lab/retries.log
touch "$retries"
before=$(wc -l <"$retries")

pass=0 fail=0 start=$(date +%s)
: >"$dir/causes"
for i in $(seq 1 "$n"); do
	t=$(date +%s)
	if "$TOP/tools/lab/lab.sh" --out "$dir/$i" "$@" "$scenario" >"$dir/$i.out" 2>&1; then
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
	say "run $i/$n: $result ($(($(date +%s) - t)) s; $pass passed, $fail failed so far)"
done

taken=$(($(wc -l <"$retries") - before))
echo
echo "soak: $scenario: $pass of $n runs passed, $fail failed" \
	"($((fail * 100 / n))% failure rate) in $(($(date +%s) - start)) s"
if [ "$fail" -gt 0 ]; then
	echo "soak: causes:"
	sed 's/^/  /' "$dir/causes"
fi
echo "soak: retries taken: $taken in $n runs"
[ "$taken" -le 0 ] || tail -n "$taken" "$retries" | sed 's/^/  /'
[ "$fail" -eq 0 ]
