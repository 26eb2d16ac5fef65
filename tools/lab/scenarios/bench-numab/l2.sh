# L2 half of bench-numab (see l1.sh): the two loads, one after the other,
# each started by L1.
NB_MIB=${NB_MIB:-64}
NB_SECONDS=${NB_SECONDS:-60}

if [ -e /sys/devices/system/node/node1 ]; then
	lab_check "guest NUMA balancing on (two guest nodes)" \
		sh -c 'echo 1 >/proc/sys/kernel/numa_balancing'
fi
lab_diag "nodes $(ls -d /sys/devices/system/node/node* | wc -l), XPV $(cat /sys/devices/system/xpv/nr_pnodes 2>/dev/null || echo off), kernel.numa_balancing $(cat /proc/sys/kernel/numa_balancing)"
echo "XPVSYNC numabench up"
for kind in vcpu memory; do
	m0=$(lab_vmstat numa_pages_migrated)
	cpu=
	[ $kind = memory ] || cpu=0
	# not through lab_check: its XPVSYNC lines must come as they are printed
	xpv-numabench load $kind "$NB_MIB" $((NB_SECONDS + 25)) $cpu
	rc=$?
	echo "XPVSYNC numabench $kind migrated $(($(lab_vmstat numa_pages_migrated) - m0))"
	lab_check "the $kind load ran (exit status $rc)" test $rc = 0
done
