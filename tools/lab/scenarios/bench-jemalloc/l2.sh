# Both options, one after the other, on vCPU 0.  Timed (make bench
# BENCH=bench-jemalloc): three runs each, the median of each size's
# medians, and their ratio (phycpu's time over pnode's: the throughput of
# pnode relative to phycpu's; goal >= 0.98); nested TCG's timings swing
# from run to run, the ratio is of one run.  Counted (JEM_INSN=1, with
# the xpv-insn TCG plugin in L1's QEMU: make bench BENCH=jemalloc-insn,
# tools/eval/jeminsn.sh): xpv-jemfollow insn, one series of
# JEM_INSN_SAMPLES (32) batches per size, option and run (phycpu, pnode,
# pnode, phycpu), each named "jem-series: OPTION SIZE BATCH" in order.
J=/lab/jem
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
# Pinned, phycpu needs narenas set: jemalloc turns per-CPU arenas off
# when a process may run on fewer CPUs than there are ("not
# deterministic"), unless narenas says how many.
conf_phycpu=percpu_arena:phycpu,narenas:$(($(nproc --all) / 2))
conf_pnode=percpu_arena:pnode

counted() {
	# Frames L2 touches for the first time cost an exit to L1 (its
	# nested page tables), counted in the windows: touch most of L2's
	# free memory once first, and run the options in ABBA order.
	# (/tmp, L2's tmpfs, holds about 240 MiB)
	lab_check "touch 160 MiB of L2's memory once (and free it)" \
		sh -c 'dd if=/dev/zero of=/tmp/warm bs=1M count=160 2>&1; r=$?; rm -f /tmp/warm; exit $r'
	# jemalloc purges by time (decay), and times are not the counts': a
	# window with a purge in it costs about half again as much (32 KiB:
	# medians 15% apart in one run).  Both options purge alike: without
	# decay the counts repeat.
	for o in phycpu pnode pnode phycpu; do
		eval conf=\$conf_$o,dirty_decay_ms:-1,muzzy_decay_ms:-1
		env LD_PRELOAD=$J/libjemalloc.so.2 MALLOC_CONF=$conf \
			$J/xpv-jemfollow insn "${JEM_INSN_SAMPLES:-32}" >/tmp/insn.$o 2>&1
		lab_check "xpv-jemfollow insn: $o ran (percpu_arena $o)" \
			sh -c "cat /tmp/insn.$o; grep -qx 'jemalloc: percpu_arena $o' /tmp/insn.$o"
		sed -n 's/^XPVSYNC jeminsn size \([0-9]*\) batch \([0-9]*\) done .*/\1 \2/p' /tmp/insn.$o |
			while read -r _s _b; do lab_diag "jem-series: $o $_s $_b"; done
	done
}

timed() {
	rounds=${XPV_BENCH_ROUNDS:-5}
	: >/tmp/bench.all
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
		}' /tmp/bench.all >/tmp/bench.table
	# into the lab's output, where make bench collects "bench:" lines
	while read -r _l; do lab_diag "$_l"; done </tmp/bench.table
}

if [ "${JEM_INSN:-0}" = 1 ]; then counted; else timed; fi
