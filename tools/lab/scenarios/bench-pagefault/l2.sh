# L2 half of bench-pagefault (see l1.sh).
if [ -d /sys/devices/system/xpv ]; then
	lab_diag "XPV active, version $(cat /sys/devices/system/xpv/version)"
else
	lab_diag "no XPV: $(uname -r), $(cat /proc/cmdline)"
fi
for i in 1 2 3; do
	xpv-faultbench 5 16
done
echo "XPVSYNC bench done"
