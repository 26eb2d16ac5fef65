# L2 half of guest-alloc-stress (see l1.sh).
if [ "$LAB_XPV" = 0 ]; then
	lab_check "no XPV (--xpv 0)" test ! -e /sys/devices/system/xpv
else
	lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
	v0=$(cat /sys/devices/system/xpv/version)
fi
echo "XPVSYNC stress start"
xpv-faultbench 60 16
echo "XPVSYNC stress done"
if [ "$LAB_XPV" != 0 ]; then
	v1=$(cat /sys/devices/system/xpv/version)
	lab_check "the topology changed while L2 allocated (version $v0 -> $v1)" \
		test $((v1 - v0)) -ge 20
fi

# adds_up FILE: in each zone, the free blocks of /proc/buddyinfo make
# the free pages FILE gives, as when idle they must: /proc/zoneinfo's
# count, or what /proc/pagetypeinfo finds walking the free lists
# themselves (the pnodes' lists too).
adds_up() {
	awk '
	FILENAME == "/proc/buddyinfo" {
		z = $2 $4; s = 0; m = 1
		for (i = 5; i <= NF; i++) { s += $i * m; m *= 2 }
		blocks[z] = s
		next
	}
	FILENAME == "/proc/zoneinfo" && /^Node/ { z = $2 $4 }
	FILENAME == "/proc/zoneinfo" && $1 == "pages" && $2 == "free" { other[z] = $3 }
	FILENAME == "/proc/pagetypeinfo" && $1 == "Node" && $5 == "type" {
		z = $2 $4; sub(/,$/, "", z); m = 1
		for (i = 7; i <= NF; i++) { v = $i; sub(/^>/, "", v); other[z] += v * m; m *= 2 }
	}
	END {
		bad = 0
		for (z in blocks) {
			printf "zone %s: free blocks %d pages, %s %d\n", z, blocks[z], FILENAME, other[z]
			if (blocks[z] != other[z]) bad = 1
		}
		exit bad
	}' /proc/buddyinfo "$1"
}
# settles CMD...: CMD succeeds within 30 s (the counters move while
# anything runs); the last try's output either way.
settles() { lab_wait_output 30 "$@"; }
lab_check "free page accounting adds up in every zone (buddyinfo = zoneinfo)" \
	settles adds_up /proc/zoneinfo
lab_check "/proc/pagetypeinfo counts every free block, the pnodes' lists too (= buddyinfo)" \
	settles adds_up /proc/pagetypeinfo
if [ "$LAB_XPV" != 0 ]; then
# pnode_free: the pnodes' free pages (their lists' counters) are part of
# the free blocks of /proc/buddyinfo, read by one process right after:
# not of MemFree, whose per-CPU vmstat deltas lag by up to a threshold a
# CPU, when after the stress nearly all free memory is on the pnodes'
# lists (the slack is a few pages).
pnode_free() {
	awk '
	FILENAME ~ /meminfo$/ && $3 == "MemFree:" { p += $4 }
	FILENAME == "/proc/buddyinfo" {
		m = 1
		for (i = 5; i <= NF; i++) { b += $i * m; m *= 2 }
	}
	FILENAME == "/proc/meminfo" && $1 == "MemFree:" { mf = $2 }
	END {
		b *= 4	# kB in an x86 page
		printf "free on pnodes %d kB, in the free blocks %d kB (MemFree %d kB)\n", p, b, mf
		exit !(p > 0 && p <= b)
	}' /sys/devices/system/xpv/pnode*/meminfo /proc/buddyinfo /proc/meminfo
}
lab_check "the pnodes' free memory is part of the free blocks (buddyinfo)" settles pnode_free
fi
lab_check "no warning, BUG or oops in L2's kernel log" \
	sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
if [ "$LAB_XPV" != 0 ]; then
	vm() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
	local=$(vm xpv_alloc_local)
	lab_check "allocations were served locally (xpv_alloc_local $local)" \
		test "${local:-0}" -gt 0
	# A topology that moved only vCPUs costs no pass over memory: the
	# re-sort runs only after topologies that changed chunks (a pass
	# cut short and finished by the next run counts once).
	upd=$(vm xpv_updates) chk=$(vm xpv_chunk_updates) res=$(vm xpv_resorts)
	lab_check "the re-sort ran only after chunks moved: xpv_resorts $res <= xpv_chunk_updates $chk (of $upd updates)" \
		test "${res:-x}" -le "${chk:-0}" -a "${chk:-0}" -lt "${upd:-0}"
fi
