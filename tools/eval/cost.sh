#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cost.sh [PRISTINE-BZIMAGE]: the lab's deterministic cost model.  Runs
# the cost scenario (tools/lab/scenarios/cost) with the TCG plugin
# xpv-insn.so in L1's QEMU, pairs each series the plugin printed with
# the name L1 gave it, and prints instructions per page fault, per
# xpv_version() vDSO call and per getppid(), by median over 4096
# samples, and per topology interrupt (entry to iretq, XPV active), by
# median over 64.  Checks (TAP) that each configuration's two page-fault
# series agree within 1%, and the two interrupt series, and that a fault
# on a CPU whose pnode has no memory ('short': L2's RAM preallocated on
# L1 node 1, where vCPU 0 is not; the others are not preallocated) costs
# at most COST_SHORT_PCT (105) percent of one with XPV active.  With the
# unpatched kernel's bzImage (make bench builds it), also the page-fault
# goal: XPV off at 0.97 or more, XPV active at 0.95 or more of the
# unpatched kernel's throughput, counted in instructions (its
# instructions per fault / theirs).
# Environment: COST_OUT (default build/lab/cost), LABOPTS.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$TOP/build
out=${COST_OUT:-$BUILD/lab/cost}
so=$BUILD/tools/xpv-insn.so
[ -f "$so" ] || { echo "cost: no $so: run 'make plugin'" >&2; exit 2; }
files=()
[ $# = 0 ] || files=(--l1-file "$1:/lab/bzImage.pristine")

# The plugin counts the topology interrupt from the vector's entry in
# the kernel L2 runs with XPV active (the lab's).
map=$BUILD/obj/linux-lab/System.map
[ "${XPV_DEBUG:-0}" != 1 ] || map=$BUILD/obj/linux-debug/System.map
irq=$(awk '$3 == "asm_sysvec_xpv_topology" { print "0x" $1 }' "$map" 2>/dev/null)
[ -n "$irq" ] || { echo "cost: no asm_sysvec_xpv_topology in $map: build the kernel (make kernel)" >&2; exit 2; }

rc=0
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086
XPV_INSN_IRQ=$irq "$TOP/tools/lab/lab.sh" --out "$out" --plugin "$so" "${files[@]}" ${LABOPTS:-} cost |
	tee "$out.log" || rc=1

# shellcheck disable=SC2034 # insn_load fills them, insn_median reads them
names=() series=()
# shellcheck source=tools/eval/insn.sh
. "$TOP/tools/eval/insn.sh"
insn_load "$out.log" "$out/qemu-cpu.log" cost-series || exit 1
printf '%s\n' "${names[@]}" | grep -qx 'active vdso' ||
	{ echo "not ok - cost: no series of the vDSO call with XPV active (did XPV come up in L2?)"; rc=1; }

# median CONFIG MODE [K]: the median of the K-th (1st) such series.
median() { insn_median "$1 $2" "${3:-1}"; }
echo "# instructions, median of 4096 samples (q1, q3 in cost's log):"
for i in "${!names[@]}"; do echo "#   ${names[$i]}: ${series[$i]}"; done
# agree CONFIG MODE WHAT: the two series of CONFIG MODE agree within 1%.
agree() {
	local a b
	a=$(median "$1" "$2" 1) b=$(median "$1" "$2" 2)
	[ -n "$a" ] || return 0
	if [ -n "$b" ] && [ "$a" -gt 0 ] && awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d * 100 <= (a < b ? a : b)) }'; then
		echo "ok - cost: $1: the two $3 series agree within 1% ($a and $b instructions)"
	else
		echo "not ok - cost: $1: the two $3 series agree within 1% # $a and ${b:-none} instructions"
		rc=1
	fi
}
for c in active short off pristine; do
	agree $c fault page-fault
done
q=$(median active irq)
if [ "$q" = 0 ]; then
	echo "not ok - cost: the topology-interrupt series have no samples (the plugin counts from XPV_INSN_IRQ=$irq, asm_sysvec_xpv_topology in $map: is it the kernel L2 ran?)"
	rc=1
elif [ -n "$q" ]; then
	agree active irq topology-interrupt
elif printf '%s\n' "${names[@]}" | grep -qx 'active vdso'; then
	echo "not ok - cost: no series of the topology interrupt with XPV active"
	rc=1
fi
p=$(median pristine fault)
x=$(median active fault)
o=$(median off fault)
echo "cost: instructions per page fault: XPV active ${x:-?}, xpv=off ${o:-?}, unpatched ${p:-not run}"
# The CPU's pnode without memory: its pcp lists go on with the nearest
# pnode's pages (Documentation/mm/xpv.rst); without them each fault took
# zone->lock twice.
sh=$(median short fault)
if [ -z "$sh" ] || [ -z "$x" ]; then
	echo "not ok - cost: a page-fault series with the CPU's pnode without memory, and one with XPV active # short ${sh:-none}, active ${x:-none}"
	rc=1
elif awk -v s="$sh" -v x="$x" -v p="${COST_SHORT_PCT:-105}" 'BEGIN { exit !(s * 100 <= x * p) }'; then
	echo "ok - cost: a fault on a CPU whose pnode has no memory costs at most ${COST_SHORT_PCT:-105}% of one with XPV active ($sh and $x instructions)"
else
	echo "not ok - cost: a fault on a CPU whose pnode has no memory costs at most ${COST_SHORT_PCT:-105}% of one with XPV active # $sh and $x instructions"
	rc=1
fi
echo "cost: instructions per call: xpv_version() $(median active vdso), getppid() (XPV active) $(median active getppid)"
echo "cost: instructions per topology interrupt (XPV active, from its entry to its iretq): ${q:-?}"
if [ -n "$p" ] && [ -n "$x" ] && [ -n "$o" ]; then
	awk -v p="$p" -v x="$x" -v o="$o" 'BEGIN {
		printf "cost: page-fault throughput in instructions, relative to the unpatched kernel: XPV active %.3f (goal 0.95), xpv=off %.3f (goal 0.97)\n", p / x, p / o
		printf "cost: goal %s\n", (p / x >= 0.95 && p / o >= 0.97) ? "met" : "missed" }'
fi
exit $rc
