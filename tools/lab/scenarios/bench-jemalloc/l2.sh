# Both options, one after the other, three times each, on vCPU 0: the
# median of each size's medians, and their ratio (phycpu's time over
# pnode's: the throughput of pnode relative to phycpu's; goal >= 0.98).
# Nested TCG's timings swing from run to run; the ratio is of one run.
J=/lab/jem
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
rounds=${XPV_BENCH_ROUNDS:-5}
: >/tmp/bench.all
# Pinned, phycpu needs narenas set: jemalloc turns per-CPU arenas off
# when a process may run on fewer CPUs than there are ("not
# deterministic"), unless narenas says how many.
conf_phycpu=percpu_arena:phycpu,narenas:$(($(nproc --all) / 2))
conf_pnode=percpu_arena:pnode
for i in 1 2 3; do
	for o in phycpu pnode; do
		eval conf=\$conf_$o
		taskset -c 0 env LD_PRELOAD=$J/libjemalloc.so.2 MALLOC_CONF=$conf \
			$J/xpv-jemfollow bench "$rounds" >/tmp/bench.$o.$i 2>&1 ||
			{ cat /tmp/bench.$o.$i; lab_check "bench $o run $i" false; }
		sed "s/^/$o /" /tmp/bench.$o.$i >>/tmp/bench.all
	done
done
lab_check "the phycpu runs used percpu_arena phycpu, the pnode runs pnode" \
	sh -c "grep 'jemalloc: percpu_arena' /tmp/bench.all;
		grep -c '^pnode jemalloc: percpu_arena pnode' /tmp/bench.all | grep -qx 3 &&
		grep -c '^phycpu jemalloc: percpu_arena phycpu' /tmp/bench.all | grep -qx 3"
# lines: "<option> bench: size S ns/op N (min ...)"
awk '$2 == "bench:" { k = $1 " " $4; t[k, ++n[k]] = $6; size[$4 + 0] = 1 }
	function median(k,   a, i, j, m, x) {
		m = n[k]
		for (i = 1; i <= m; i++) a[i] = t[k, i]
		for (i = 2; i <= m; i++) {
			x = a[i]
			for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]
			a[j + 1] = x
		}
		return a[int((m + 1) / 2)]
	}
	END {
		printf "bench: jemalloc malloc+free, ns/op (median of 3 runs of %d rounds), pnode throughput relative to phycpu\n", '"$rounds"'
		printf "bench: %8s %10s %10s %8s\n", "size", "phycpu", "pnode", "ratio"
		for (s = 1; s <= 1048576; s *= 2) if (s in size) {
			p = median("phycpu " s); q = median("pnode " s)
			printf "bench: %8d %10.1f %10.1f %8.3f\n", s, p, q, (q > 0 ? p / q : 0)
		}
	}' /tmp/bench.all
