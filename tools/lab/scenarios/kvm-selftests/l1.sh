# KVM selftests in L1, the lab's NUMA host: XPV's own and the existing
# ones covering what XPV hooks into.  Each kselftest TAP result becomes a
# lab result; a SKIP is a failure here, since the lab has what they need.
# Count XPV's publish tracepoint over the whole run.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ev=/sys/kernel/tracing/events/kvm/kvm_xpv_publish
mev=/sys/kernel/tracing/events/kvm/kvm_xpv_mem_publish
lab_check "tracepoints kvm:kvm_xpv_publish and kvm:kvm_xpv_mem_publish exist" \
	test -d $ev -a -d $mev &&
	echo 1 >$ev/enable && echo 1 >$mev/enable &&
	echo 2048 >/sys/kernel/tracing/buffer_size_kb
# A test VM that triple-faults: where it was (lab_ktap reports it).
lab_l2_trace_shutdown

# LAB_FUZZ_ROUNDS (--set): xpv_fuzz_test's values per MSR and vCPU, for a
# shorter storm (make test's debug kernel run); its default is 10^4 per MSR.
for t in /lab/kselftest/*_test; do
	if [ "${t##*/}" = xpv_fuzz_test ] && [ -n "${LAB_FUZZ_ROUNDS:-}" ]; then
		lab_ktap "$(basename "$t")" "$t" -r "$LAB_FUZZ_ROUNDS"
	else
		lab_ktap "$(basename "$t")" "$t"
	fi
done

if [ -d $ev ]; then
	echo 0 >$ev/enable
	n=$(grep -c 'kvm_xpv_publish:' /sys/kernel/tracing/trace)
	lab_diag "kvm_xpv_publish fired $n times; last: $(grep 'kvm_xpv_publish:' /sys/kernel/tracing/trace | tail -n1 | sed 's/.*kvm_xpv_publish: //')"
	# xpv_test publishes at least 1001 migrations and 3 registrations
	grep -q "^Bail out!" /tmp/xpv_test.log 2>/dev/null &&
		lab_diag "xpv_test bailed out (above), so it published less"
	lab_check "kvm_xpv_publish traced every publish of xpv_test" test "$n" -ge 1004
	echo 0 >$mev/enable
	m=$(grep -c 'kvm_xpv_mem_publish:' /sys/kernel/tracing/trace)
	lab_diag "kvm_xpv_mem_publish fired $m times; last: $(grep 'kvm_xpv_mem_publish:' /sys/kernel/tracing/trace | tail -n1 | sed 's/.*kvm_xpv_mem_publish: //')"
	# xpv_mem_test: first touch, the move, the burst, two memslots added
	lab_check "kvm_xpv_mem_publish traced the memory updates of xpv_mem_test" \
		test "$m" -ge 4
fi
