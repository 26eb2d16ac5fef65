# L2 half of cost (see l1.sh).
modes="fault fault vdso getppid"
short=0
grep -q 'cost=short' /proc/cmdline && short=1
if [ $short = 1 ]; then
	# the case measured: this CPU's pnode has no memory of its own
	no_memory_on_0() { [ "$(lab_pnode_kb 0)" = 0 ] && [ "$(lab_pnode_kb 1)" -gt 0 ]; }
	lab_check "vCPU 0's pnode 0 has no memory (MemTotal $(lab_pnode_kb 0) kB), pnode 1 has ($(lab_pnode_kb 1) kB)" \
		no_memory_on_0
	modes="fault fault"
fi
for m in $modes; do
	if [ $m = vdso ] && [ ! -e /sys/devices/system/xpv/nr_pnodes ]; then
		lab_diag "no XPV here: no vDSO call to count"
		continue
	fi
	lab_check "xpv-insncount $m 4096" xpv-insncount $m 4096
done
[ ! -e /sys/devices/system/xpv/nr_pnodes ] ||
	lab_diag "vmstat: xpv_alloc_local $(lab_vmstat xpv_alloc_local), xpv_alloc_fallback $(lab_vmstat xpv_alloc_fallback), xpv_alloc_foreign $(lab_vmstat xpv_alloc_foreign)"
# The topology interrupt, twice, with XPV active: xpv-insncount waits
# idle for 64 of them, which L1 sends by moving vCPU 0 on the program's
# cue; it runs outside lab_check, whose output comes only at the end.
if [ -e /sys/devices/system/xpv/nr_pnodes ] && [ $short = 0 ]; then
	for r in 1 2; do
		if xpv-insncount irq 64; then
			lab_ok "xpv-insncount irq 64 (round $r)"
		else
			lab_not_ok "xpv-insncount irq 64 (round $r)" "exit status $?"
		fi
	done
fi
echo "XPVSYNC cost done"
