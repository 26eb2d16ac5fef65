# Benchmark: XPV memory placement under a migration storm.  L1 moves
# L2's RAM around with XPV_STORM_CALLS move_pages() calls of
# XPV_STORM_PAGES pages (default 200 x 64) and reports what L1's KVM did
# about it: memory updates, chunks changed, notifications, and the cost of
# each update (kvm_xpv_mem_update(), timed by the function_graph tracer;
# nested TCG inflates it, so compare runs, not absolute numbers).
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
graph=0
if grep -qw function_graph $T/available_tracers &&
	echo kvm_xpv_mem_update >$T/set_graph_function 2>/dev/null; then
	echo function_graph >$T/current_tracer
	graph=1
fi
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
echo nop >$T/current_tracer

lab_diag "bench: $(cat /tmp/storm.out)"
lab_diag "bench: $u memory updates, $c chunks changed, $n notifications, $k coalesced"
looked=$(grep 'kvm_xpv_mem_publish:' $T/trace |
	sed 's/.*looked up \([0-9]*\).*/\1/' |
	awk '{ s += $1; n++ } END { if (n) printf "%.1f", s / n; else print "-" }')
lab_diag "bench: chunks looked up per published update: $looked"
if [ $graph = 1 ]; then
	# function_graph: "... 1234.567 us |  kvm_xpv_mem_update();" or the
	# closing brace of a call with children.
	cost=$(grep -E 'kvm_xpv_mem_update\(\);|\} /\* kvm_xpv_mem_update \*/' $T/trace |
		sed -n 's/.* \([0-9.]*\) us .*/\1/p' |
		awk '{ s += $1; n++; if ($1 > m) m = $1 } END {
			if (n) printf "%d calls, mean %.0f us, max %.0f us", n, s / n, m;
			else print "no calls traced" }')
	lab_diag "bench: kvm_xpv_mem_update(): $cost (nested TCG)"
else
	lab_diag "bench: kvm_xpv_mem_update() not timed: no function_graph tracer in this kernel"
fi
lab_check "the storm was published: $u updates >= 1" test "$u" -ge 1
kill "$pid"
lab_l2_wait
