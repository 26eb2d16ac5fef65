# Benchmark: XPV memory placement under a migration storm.  L1 moves
# L2's RAM around with XPV_STORM_CALLS move_pages() calls of
# XPV_STORM_PAGES pages (default 200 x 64) and reports what L1's KVM did
# about it: memory updates, chunks changed, notifications, and the vCPU
# time each update took (from the kvm_xpv_mem_publish tracepoint; nested
# TCG inflates it, so compare runs, not absolute numbers).
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
calls=${XPV_STORM_CALLS:-200}
pages=${XPV_STORM_PAGES:-64}
T=/sys/kernel/tracing

lab_l2_start -name l2,debug-threads=on
lab_check "L2 is up and has its topology" lab_l2_wait_line 300 '^XPVSYNC ready'
pid=$(lab_l2_pid)
sleep 3		# let the boot's own memory updates settle

mount -t tracefs tracefs $T 2>/dev/null
echo 1 >$T/events/kvm/kvm_xpv_mem_publish/enable
: >$T/trace

u0=$(lab_kvm_stat xpv_mem_updates)
c0=$(lab_kvm_stat xpv_mem_chunks)
n0=$(lab_kvm_stat xpv_notifications)
k0=$(lab_kvm_stat xpv_coalesced)
lab_check "the storm ran: $calls move_pages() calls of $pages pages" \
	sh -c "xpv-memstorm $pid $calls $pages >/tmp/storm.out"
sleep 3		# the last update of the storm, and a recheck
u=$(($(lab_kvm_stat xpv_mem_updates) - u0))
c=$(($(lab_kvm_stat xpv_mem_chunks) - c0))
n=$(($(lab_kvm_stat xpv_notifications) - n0))
k=$(($(lab_kvm_stat xpv_coalesced) - k0))
echo 0 >$T/events/kvm/kvm_xpv_mem_publish/enable

lab_diag "bench: $(cat /tmp/storm.out)"
lab_diag "bench: $u memory updates, $c chunks changed, $n notifications, $k coalesced"
looked=$(grep 'kvm_xpv_mem_publish:' $T/trace |
	sed 's/.*looked up \([0-9]*\).*/\1/' |
	awk '{ s += $1; n++ } END { if (n) printf "%.1f", s / n; else print "-" }')
lab_diag "bench: chunks looked up per published update: $looked"
cost=$(grep 'kvm_xpv_mem_publish:' $T/trace |
	sed -n 's/.* in \([0-9]*\) ns$/\1/p' |
	awk '{ s += $1; n++; if ($1 > m) m = $1 } END {
		if (n) printf "%d updates, mean %.0f us, max %.0f us", n, s / n / 1000, m / 1000;
		else print "no update traced" }')
lab_diag "bench: vCPU time per memory update: $cost (nested TCG)"
lab_check "the storm was published: $u updates >= 1" test "$u" -ge 1
kill "$pid"
lab_l2_wait
