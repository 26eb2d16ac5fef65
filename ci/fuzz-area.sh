#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the XPV guest's parser of the host's topology area
# (arch/x86/kernel/xpv_area.c) in user space: tools/testing/xpv in the
# patched tree, libFuzzer with ASan and UBSan, XPV_FUZZ_RUNS inputs
# (default 10^6), then the parser's coverage by llvm-cov.  Prints TAP.
# Needs the tree prepared (make kernel).
set -uo pipefail
NAME=fuzz-area
. "$(dirname "$0")/lib.sh"

src=$BUILD/src/linux/tools/testing/xpv
out=$BUILD/obj/xpv-fuzz
log=$BUILD/logs/fuzz-area.log
runs=${XPV_FUZZ_RUNS:-1000000}
# Lines and branches of xpv_area.c the run must reach, in percent.
min_cover=${XPV_FUZZ_MIN_COVER:-95}
[ -f "$src/Makefile" ] || die "no $src: prepare the tree first (make kernel)"
mkdir -p "$BUILD/logs"

say "fuzzing xpv_area.c: $runs inputs (log: $log)"
start=$(date +%s)
make -C "$src" OUTPUT="$out" RUNS="$runs" CLANG=clang-14 \
	LLVM_PROFDATA=llvm-profdata-14 LLVM_COV=llvm-cov-14 run >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
grep '^xpv_area:' "$log" | sed 's/^/# /'
if [ $rc -eq 0 ] && [ "${execs:-0}" -ge "$runs" ]; then
	echo "ok 1 - fuzz xpv_area.c: $execs inputs in $(($(date +%s) - start)) s, no crash, no sanitizer report"
else
	# What failed: the sanitizer's or the harness's report, else the end.
	grep -E -A12 '^==[0-9]+==ERROR|^xpv_area: [^0-9 ]|runtime error|deadly signal' "$log" |
		head -n 40 | sed 's/^/#   /'
	tail -n 5 "$log" | sed 's/^/#   /'
	ls "$out"/crash-* 2>/dev/null | sed 's/^/#   input that crashed it: /'
	echo "not ok 1 - fuzz xpv_area.c: make run exited with $rc after ${execs:-no} inputs, $runs wanted"
fi

# llvm-cov's row: regions missed cover, functions missed cover, lines
# missed cover, branches missed cover.
row=$(grep -E '/xpv_area\.c +[0-9]' "$log" | tail -n 1)
lines=$(echo "$row" | awk '{print $10}')
branches=$(echo "$row" | awk '{print $13}')
echo "# coverage of xpv_area.c: lines ${lines:-none}, branches ${branches:-none}"
if [ -n "$lines" ] && [ -n "$branches" ] &&
	awk -v l="${lines%\%}" -v b="${branches%\%}" -v m="$min_cover" \
		'BEGIN { exit !(l >= m && b >= m) }'; then
	echo "ok 2 - the fuzzer reached ${lines} of xpv_area.c's lines and ${branches} of its branches (at least ${min_cover}%)"
else
	echo "not ok 2 - the fuzzer reached ${lines:-no} lines and ${branches:-no} branches of xpv_area.c, at least ${min_cover}% wanted"
fi
