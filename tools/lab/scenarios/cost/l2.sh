# L2 half of cost (see l1.sh).
for m in fault fault vdso getppid; do
	if [ $m = vdso ] && [ ! -e /sys/devices/system/xpv/nr_pnodes ]; then
		lab_diag "no XPV here: no vDSO call to count"
		continue
	fi
	lab_check "xpv-insncount $m 4096" xpv-insncount $m 4096
done
# The topology interrupt, twice, with XPV active: xpv-insncount waits
# idle for 64 of them, which L1 sends by moving vCPU 0 on the program's
# cue; it runs outside lab_check, whose output comes only at the end.
if [ -e /sys/devices/system/xpv/nr_pnodes ]; then
	for r in 1 2; do
		if xpv-insncount irq 64; then
			lab_ok "xpv-insncount irq 64 (round $r)"
		else
			lab_not_ok "xpv-insncount irq 64 (round $r)" "exit status $?"
		fi
	done
fi
echo "XPVSYNC cost done"
