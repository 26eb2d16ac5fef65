# Benchmark: HotSpot's allocation throughput and young-collection pauses
# under vCPU moves, in a Debian L2 as in guest-hotspot (vCPU 0 on L1 node
# 0, vCPU 1 on node 1, RAM striped over both).  Three configurations in
# one run, each XpvAlloc with two threads (pinned to vCPU 0 and 1) for
# HS_SECONDS (60): the patched VM with -XX:+UseNUMA (xpv), Debian's VM
# with -XX:+UseNUMA (debian: its map goes stale at the first move), and
# the patched VM with -XX:-UseNUMA (nonuma).  While each runs, L1 swaps
# the two vCPU threads' nodes every HS_SWAP seconds (5).  The lab's nodes
# are emulated: the other node costs no more to reach, so the figures
# show what each configuration spends (the patched VM lays its eden out
# again at a collection after each move), not what locality gains.
lab_l2_start_striped "XPVSYNC hotspot waiting"
for c in xpv debian nonuma; do
	lab_check "L2 started the configuration $c" lab_l2_wait_line 900 "^XPVSYNC bench $c start"
	swaps=0
	until grep -q "^XPVSYNC bench $c end" /tmp/l2.out; do
		sleep "${HS_SWAP:-5}"
		if [ $((swaps % 2)) = 0 ]; then
			taskset -p -c "$n1" "$t0" >/dev/null && taskset -p -c "$n0" "$t1" >/dev/null
		else
			lab_l2_pin_apart >/dev/null
		fi || break
		swaps=$((swaps + 1))
		[ $swaps -lt 1000 ] || break
	done
	lab_check "vCPUs apart again after $c" lab_l2_pin_apart
	lab_diag "bench: $c: L1 swapped the vCPUs' nodes $swaps times"
done
lab_check "L2 ran to completion" lab_l2_done
