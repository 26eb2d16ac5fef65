#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# jeminsn.sh: jemalloc's malloc/free cost with percpu_arena:pnode against
# percpu_arena:phycpu, in instructions (make bench BENCH=jemalloc-insn).
# Runs the bench-jemalloc scenario with JEM_INSN=1 and the xpv-insn TCG
# plugin in L1's QEMU: in an XPV L2, on vCPU 0, xpv-jemfollow allocates
# and frees batches of objects of each size (more than a tcache bin
# holds, so that the arena is chosen and the version checked), one
# batch per window of the plugin.  Prints the instructions per
# operation (a window's median over 2 x batch) of each option and size,
# and pnode's throughput relative to phycpu's in instructions (phycpu's
# count / pnode's), against the goal of 0.98 for every size.  Where times
# swing by 20% from run to run, counts repeat.
# Environment: JEMINSN_OUT (default build/lab/jeminsn), JEM_INSN_SAMPLES
# (32), LABOPTS.  The options run twice each (phycpu, pnode, pnode,
# phycpu) after L2 touched most of its memory once: a frame's first touch
# exits to L1, which the windows count.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
out=${JEMINSN_OUT:-$BUILD/lab/jeminsn}
so=$BUILD/tools/xpv-insn.so
[ -f "$so" ] || { echo "jeminsn: no $so: run 'make plugin'" >&2; exit 2; }

rc=0
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086
"$TOP/tools/lab/lab.sh" --out "$out" --plugin "$so" --set JEM_INSN=1 \
	--set JEM_INSN_SAMPLES="${JEM_INSN_SAMPLES:-32}" ${LABOPTS:-} bench-jemalloc |
	tee "$out.log" || rc=1

# shellcheck disable=SC2034 # insn_load fills them, insn_median reads them
names=() series=()
# shellcheck source=tools/eval/insn.sh
. "$TOP/tools/eval/insn.sh"
insn_load "$out.log" "$out/qemu-cpu.log" jem-series || exit 1

echo "jeminsn: instructions per malloc or free (median window / (2 x batch), mean of two runs), pnode throughput relative to phycpu"
printf 'jeminsn: %8s %6s %10s %10s %8s\n' size batch phycpu pnode ratio
# mean2 NAME: the mean of the medians of the two series named NAME
mean2() {
	local a b
	a=$(insn_median "$1" 1) b=$(insn_median "$1" 2)
	[ -n "$a" ] && [ -n "$b" ] && echo $(((a + b) / 2))
}
met=1
declare -A seen
for i in "${!names[@]}"; do
	read -r o size batch <<<"${names[$i]}"
	[ "$o" = phycpu ] && [ -z "${seen[$size]:-}" ] || continue
	seen[$size]=1
	p=$(mean2 "phycpu $size $batch")
	q=$(mean2 "pnode $size $batch")
	if [ -z "$p" ] || [ -z "$q" ]; then
		echo "not ok - jeminsn: size $size: not two series of each option"
		rc=1
		continue
	fi
	line=$(awk -v p="$p" -v q="$q" -v b="$batch" -v s="$size" 'BEGIN {
		printf "%8d %6d %10.1f %10.1f %8.3f", s, b, p / (2 * b), q / (2 * b), p / q
		exit !(p / q >= 0.98) }') || met=0
	echo "jeminsn: $line"
done
echo "jeminsn: goal (0.98 or more at every size) $([ $met = 1 ] && echo met || echo missed)"
exit $rc
