# 10^7 xpv_version() calls through the vDSO against 10^7 getppid() system
# calls, in one run; printed as ns/call and a ratio.
xpv-guest-test bench "${XPV_BENCH_CALLS:-10000000}"
