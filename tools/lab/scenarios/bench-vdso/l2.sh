# 10^7 xpv_version() calls through the vDSO against 10^7 getppid() system
# calls, in one run; printed as ns/call and a ratio.
xpv-guest-test bench "${XPV_BENCH_CALLS:-10000000}"
# libnuma's numa_topology_version(), which runtimes call: through the
# vDSO in a dynamic program, and from sysfs in a static one (10^6 calls:
# a sysfs read is a system call and more).
n=${XPV_BENCH_CALLS:-10000000}
lab_check "libnuma (libnuma.so.1, the vDSO) ran its benchmark" \
	sh -c "LD_LIBRARY_PATH=/lab/numa /lab/numa/xpv-numafollow bench $n >/tmp/b1 && sed 's/^bench:/bench: libnuma.so.1:/' /tmp/b1"
lab_check "libnuma (static, sysfs) ran its benchmark" \
	sh -c "/lab/numa/xpv-numafollow-static bench $((n / 10)) >/tmp/b2 && sed 's/^bench:/bench: static libnuma:/' /tmp/b2"
