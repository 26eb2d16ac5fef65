# L2 half of cost (see l1.sh).
for m in fault fault vdso getppid; do
	if [ $m = vdso ] && [ ! -e /sys/devices/system/xpv/nr_pnodes ]; then
		lab_diag "no XPV here: no vDSO call to count"
		continue
	fi
	lab_check "xpv-insncount $m 4096" xpv-insncount $m 4096
done
echo "XPVSYNC cost done"
