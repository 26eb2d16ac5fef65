# Benchmark: locality over time of a guest task's memory after L1 moves
# its vCPU, and after L1 moves its memory, in four configurations of the
# same 2-vCPU, 512 MiB L2 (vCPU 0 on L1 node 0, vCPU 1 on node 1):
#   xpv         XPV, the guest balancing on pnodes; RAM moved to node 0,
#               then every other 2 MiB chunk of it to node 1
#   vnuma       static vNUMA: two guest nodes (QEMU -numa), one per L1
#               node, 256 MiB each bound there, guest NUMA balancing on
#   uma-hostnb  UMA guest, RAM striped as for xpv, L1's NUMA balancing on
#               (the host moves L2's memory to its vCPU threads)
#   uma         the same with no balancing anywhere
# In each, xpv-numabench in L2 writes NB_MIB MiB (default 64) and reads
# it: pinned to vCPU 0 while L1 moves vCPU 0's thread to node 1 ("vcpu"),
# then unpinned while L1 moves the buffer's pages to the node the task's
# vCPU is not on ("memory").  L1 samples every second, for NB_SECONDS
# (default 60) after the move, where its move_pages() finds each page
# L2 lists: "local" is on the node of the vCPU the task ran on.  Lines
# "numab-csv: CONFIG,KIND,t,..." are the series (make bench plots them);
# "bench:" lines sum up: time to 95% and pages migrated by each level.
NB_MIB=${NB_MIB:-64}
NB_SECONDS=${NB_SECONDS:-60}
SHM=/dev/shm/xpv-numabench
BASE_CPU=$LAB_L2_CPU

# experiment CONFIG KIND RANGE...
experiment() {
	nb_c=$1 nb_k=$2
	shift 2
	lab_check "$nb_c: L2's $nb_k load waits for L1" \
		lab_l2_wait_line 600 "^XPVSYNC numabench $nb_k waiting"
	lab_check "$nb_c: vCPU 0 on node 0, vCPU 1 on node 1" lab_l2_pin_apart
	nb_h0=$(lab_vmstat numa_pages_migrated)
	xpv-numabench go $SHM
	lab_check "$nb_c: L2's $nb_k load has written its buffer" \
		lab_l2_wait_line 600 "^XPVSYNC numabench $nb_k loaded"
	if [ "$nb_k" = vcpu ]; then
		lab_check "$nb_c: sampled while vCPU 0 moved to node 1" \
			sh -c "xpv-numabench vcpu $(lab_l2_pid) $SHM 0 1 $NB_SECONDS $* >/tmp/nb.out"
	else
		lab_check "$nb_c: sampled while the buffer moved away from the task" \
			sh -c "xpv-numabench memory $(lab_l2_pid) $SHM $NB_SECONDS $* >/tmp/nb.out"
	fi
	grep '^[-0-9]' /tmp/nb.out | sed "s/^/numab-csv: $nb_c,$nb_k,/" | while IFS= read -r nb_l; do
		lab_diag "$nb_l"
	done
	grep '^#' /tmp/nb.out | while IFS= read -r nb_l; do lab_diag "$nb_c $nb_k: ${nb_l#\# }"; done
	lab_check "$nb_c: L2's $nb_k load ended" \
		lab_l2_wait_line 600 "^XPVSYNC numabench $nb_k migrated "
	nb_g=$(tr -d '\r' </tmp/l2.out | sed -n "s/^XPVSYNC numabench $nb_k migrated \([0-9]*\)/\1/p" | tail -n1)
	nb_h=$(($(lab_vmstat numa_pages_migrated) - nb_h0))
	lab_diag "bench: $nb_c $nb_k: $(grep 'reached\|never' /tmp/nb.out); pages migrated by NUMA balancing: guest $nb_g, host $nb_h"
}

# config NAME STRIPE QEMU-ARGS...: one L2, both experiments.
config() {
	nb_cfg=$1 nb_stripe=$2
	shift 2
	rm -f $SHM
	lab_l2_start_apart -mem-prealloc \
		-object memory-backend-file,id=nbshm,mem-path=$SHM,size=1M,share=on \
		-device ivshmem-plain,memdev=nbshm "$@"
	lab_check "$nb_cfg: L2 is up" lab_l2_wait_line 300 '^XPVSYNC numabench up'
	nb_ranges=
	if [ "$nb_stripe" = stripe ]; then
		# No policy on QEMU (a bind would keep L1's balancing from
		# migrating): its memory is placed by moving it.
		lab_check "$nb_cfg: migratepages: L2's memory to node 0" \
			migratepages "$(lab_l2_pid)" 1 0
		lab_check "$nb_cfg: xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
			xpv-pagecheck stripe "$(lab_l2_pid)" 1
	else
		nb_half=$((LAB_L2_MEM * 1024 * 1024 / 2))
		nb_ranges="0:$nb_half:$(lab_gpa2hva 0) $nb_half:$nb_half:$(lab_gpa2hva $nb_half)"
		lab_diag "$nb_cfg: guest RAM in QEMU: $nb_ranges"
	fi
	experiment "$nb_cfg" vcpu $nb_ranges
	experiment "$nb_cfg" memory $nb_ranges
	lab_check "$nb_cfg: L2 ran to completion" lab_l2_done
}

lab_check "L1's NUMA balancing off" sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'

LAB_L2_CPU="$BASE_CPU,kvm-xpv=on"
config xpv stripe

LAB_L2_CPU=$BASE_CPU
nb_cpus=$LAB_L2_CPUS
LAB_L2_CPUS=2,sockets=2,cores=1,threads=1
nb_half=$((LAB_L2_MEM / 2))
config vnuma bind \
	-object memory-backend-ram,id=m0,size=${nb_half}M,policy=bind,host-nodes=0,prealloc=on \
	-object memory-backend-ram,id=m1,size=${nb_half}M,policy=bind,host-nodes=1,prealloc=on \
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1
LAB_L2_CPUS=$nb_cpus

lab_check "L1's NUMA balancing on" sh -c 'echo 1 >/proc/sys/kernel/numa_balancing'
config uma-hostnb stripe
lab_check "L1's NUMA balancing off" sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
config uma stripe
