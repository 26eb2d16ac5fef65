# make bench: page-fault throughput in L2 (xpv-faultbench: map, touch
# and unmap 16 MiB on every vCPU, 4 KiB pages) on the XPV kernel with
# XPV active, the same kernel booted with xpv=off, and the unpatched
# kernel (make kernel-pristine), all in this one L1, as ratios to the
# unpatched kernel.  Each configuration boots twice, interleaved, and
# runs the benchmark three times per boot; its best run counts (TCG's
# noise only ever slows a run down).
plain_cpu=$LAB_L2_CPU
plain_append=$LAB_L2_APPEND

# bench LABEL: boot L2 as configured, take its best result.
bench() {
	lab_l2_start -name l2
	lab_check "$1: L2 ran the benchmark" lab_l2_wait_line 600 '^XPVSYNC bench done'
	lab_check "$1: L2 ran to completion" lab_l2_wait
	_r=$(tr -d '\r' </tmp/l2.out | sed -n 's/^XPVBENCH faults_per_s=\([0-9]*\) .*/\1/p' |
		sort -n | tail -n1)
	lab_diag "bench: pagefault $1 boot: $(tr -d '\r' </tmp/l2.out | grep '^XPVBENCH' | sed 's/^XPVBENCH //' | tr '\n' ';')"
	eval "_old=\${best_$2:-0}"
	[ "${_r:-0}" -le "$_old" ] || eval "best_$2=$_r"
}

for round in 1 2; do
	LAB_L2_CPU="$plain_cpu,kvm-xpv=on" LAB_L2_APPEND=$plain_append LAB_L2_KERNEL=/lab/bzImage
	bench "XPV active (round $round)" active
	LAB_L2_CPU="$plain_cpu,kvm-xpv=on" LAB_L2_APPEND="$plain_append xpv=off"
	bench "xpv=off (round $round)" off
	LAB_L2_CPU=$plain_cpu LAB_L2_APPEND=$plain_append LAB_L2_KERNEL=/lab/bzImage.pristine
	bench "unpatched kernel (round $round)" pristine
done
LAB_L2_KERNEL=/lab/bzImage

lab_check "every configuration produced a result" \
	test "${best_active:-0}" -gt 0 -a "${best_off:-0}" -gt 0 -a "${best_pristine:-0}" -gt 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
lab_diag "bench: pagefault faults/s (best of 6 runs each): XPV active $best_active, xpv=off $best_off, unpatched $best_pristine"
lab_diag "bench: pagefault ratio to unpatched: XPV active $(ratio "$best_active" "$best_pristine"), xpv=off $(ratio "$best_off" "$best_pristine")"
