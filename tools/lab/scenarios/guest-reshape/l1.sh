# XPV across hosts of another shape: one L2 saved in a 2-node L1 and
# restored in a 4-node one, then saved there and restored in a 2-node
# one again, each L1 a run of its own (tools/lab/reshape.sh runs the
# three; the streams go through lab.sh --share, a directory of the lab's
# machine, at /share).  RESHAPE_PHASE says which run this is:
#   a (2 nodes): L2 starts (kvm-xpv=on, vCPU 0 on node 0, vCPU 1 on
#     node 1) and, once it reads that, is saved to /share/l2-a.mig;
#   b (4 nodes): it is restored with vCPU 0 on node 3, vCPU 1 on node 2
#     and its memory on node 3: L2 must read 4 pnodes and that
#     placement; then it is saved to /share/l2-b.mig;
#   c (2 nodes): restored with vCPU 0 on node 1, vCPU 1 on node 0 and
#     its memory on node 0: L2 must read 2 pnodes, nothing on pnodes 2
#     and 3, that placement, and allocate; a memory policy it bound to
#     pnode 3 in run b must fall back and be counted (xpv_policy_test
#     gone, /proc/vmstat xpv_policy_gone).
# The guest's side is in l2.sh, which L2 took with it from run a.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
grep -q ' /share 9p ' /proc/mounts || { lab_not_ok "/share is mounted (virtio-9p)" "guest-reshape runs through tools/lab/reshape.sh (lab.sh --share)"; exit 1; }

# restore FROM VCPU0-NODE VCPU1-NODE MEM-NODE: L2 from the stream FROM
# (an earlier run's), its threads on MEM-NODE's CPUs and its memory
# there, then its vCPUs moved.
restore() {
	lab_check "the stream of the run before is here" test -s "$1"
	LAB_L2_PREFIX="numactl --membind=$4 taskset -c $(cat /sys/devices/system/node/node"$4"/cpulist)"
	lab_l2_start -name l2,debug-threads=on -incoming "'exec:cat $1'"
	LAB_L2_PREFIX=
	lab_check "the restored QEMU's vCPU threads are up" lab_wait_for 120 lab_vcpu_tid 1
	lab_check "vCPU 0 (thread $(lab_vcpu_tid 0)) to node $2, vCPU 1 (thread $(lab_vcpu_tid 1)) to node $3" \
		lab_l2_pin_apart "$2" "$3"
}

vcpu_on() { [ "$(lab_xpv_vcpu_pnode "$1")" = "$2" ]; }

case ${RESHAPE_PHASE:-} in
a)
	lab_check "L1 has 2 nodes" test "$LAB_NODES" = 2
	lab_l2_start_apart
	lab_check "L2 reads its vCPUs apart and waits for the move to another host" \
		lab_l2_wait_line 300 '^XPVSYNC armed cpu=0 pnode=0 '
	lab_l2_save /share/l2-a.mig
	;;
b)
	lab_check "L1 has 4 nodes" test "$LAB_NODES" = 4
	restore /share/l2-a.mig 3 2 3
	lab_check "L2 runs again and read its 4 pnodes, vCPU 0 on pnode 3" \
		lab_l2_wait_line 300 '^XPVSYNC reshape 4 checked'
	lab_check "query-xpv: vCPU 0 on pnode 3" vcpu_on 0 3
	lab_check "query-xpv: vCPU 1 on pnode 2" vcpu_on 1 2
	lab_check "L2 binds memory to pnode 3 and waits for the move back to 2 nodes" \
		lab_l2_wait_line 120 '^XPVSYNC policy gone armed pnode=3'
	lab_l2_save /share/l2-b.mig
	;;
c)
	lab_check "L1 has 2 nodes" test "$LAB_NODES" = 2
	restore /share/l2-b.mig 1 0 0
	lab_check "query-xpv: vCPU 0 on pnode 1" lab_wait_for 60 vcpu_on 0 1
	lab_check "L2 ran to completion" lab_l2_done
	;;
*)
	lab_not_ok "RESHAPE_PHASE is a, b or c" "it is '${RESHAPE_PHASE:-}'"
	;;
esac
