# L2 half of guest-jemalloc (see l1.sh).
X=/sys/devices/system/xpv
. ./unit.sh	# J, unit_test
lab_l2_striped_ready "XPVSYNC jemalloc waiting"

lab_check "jemalloc's unit test of the option (test/unit/pnode): its arena-per-pnode test passes" \
	unit_test test_pnode_arena
lab_check "without the option, the patched jemalloc prints Debian's statistics" \
	sh -c "LD_PRELOAD=$J/debian/libjemalloc.so.2 $J/xpv-jemfollow stats >/tmp/stats.debian 2>&1 &&
		LD_PRELOAD=$J/libjemalloc.so.2 $J/xpv-jemfollow stats >/tmp/stats.xpv 2>&1 &&
		diff /tmp/stats.debian /tmp/stats.xpv && wc -l </tmp/stats.xpv"

# A thread on vCPU 0 (pnode 0): 64 MiB in 64-byte objects, listed; then,
# after L1 moved vCPU 0 to node 1, it frees them and allocates 64 MiB
# more (a jemalloc that kept it on arena 0 would reuse the freed pages,
# on node 0).
lab_listed jem taskset -c 0 env LD_PRELOAD=$J/libjemalloc.so.2 \
	MALLOC_CONF=percpu_arena:pnode $J/xpv-jemfollow follow 64 64 jem
# line K FIELD: FIELD of the "jemalloc: jem K ..." line.
field() { sed -n "s/^jemalloc: jem $1 .* $2 \([0-9-]*\).*/\1/p" /tmp/jem.out | head -n1; }
# share K P: of the pages of "jemalloc: jem K pages N pnode0 N0 ...", the
# percentage on pnode P, as L2 sees them.
share() {
	awk -v k="$1" -v p="pnode$2" -v min="$3" '
		$1 == "jemalloc:" && $2 == "jem" && $3 == k && $4 == "pages" {
			for (i = 6; i < NF; i += 2) if ($i == p) on = $(i + 1)
			printf "%d of %d pages on %s, %d%% or more expected\n", on, $5, p, min
			found = 1; exit !($5 && 100 * on >= min * $5)
		}
		END { if (!found) { print "no \"jemalloc: jem " k " pages\" line"; exit 1 } }' /tmp/jem.out
}
lab_check "all the pages of its first 64 MiB on pnode 0, as L2 sees them" share 1 0 100
lab_check "95% or more of the pages of the next 64 MiB on pnode 1, as L2 sees them" share 2 1 95
lab_check "the thread ran on the arena of pnode 0 first" \
	sh -c "grep '^jemalloc: jem 1 ' /tmp/jem.out; [ '$(field 1 arena)' = 0 ] && [ '$(field 1 pnode)' = 0 ]"
lab_check "after the move, on the arena of pnode 1, with a rebind counted" \
	sh -c "grep '^jemalloc: jem 2 ' /tmp/jem.out; [ '$(field 2 arena)' = 1 ] && [ '$(field 2 pnode)' = 1 ] &&
		[ '$(field 2 rebinds)' -ge 1 ] && [ '$(field 2 version)' -gt '$(field 1 version)' ]"
lab_check "malloc_stats_print shows the rebind and the topology version" \
	sh -c "grep 'Arenas per pnode: topology version' /tmp/jem.out | grep -v 'rebinds: 0\$'"
lab_check "malloc_stats_print shows the arena of each pnode" \
	sh -c "grep -A3 '^arenas\[[01]\]:' /tmp/jem.out | grep -c 'pnode (XPV)' | grep -qx 2"
