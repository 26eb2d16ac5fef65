# L2 half of guest-reshape (see l1.sh): one script across three L1s.
x=/sys/devices/system/xpv
# cpus_on P CPUS: pnode P's cpulist is CPUS
cpus_on() { [ "$(cat $x/pnode"$1"/cpulist 2>/dev/null)" = "$2" ]; }
# pnode_empty P: pnode P has no vCPU and no memory (or no directory)
pnode_empty() {
	[ ! -d $x/pnode"$1" ] ||
		{ [ -z "$(cat $x/pnode"$1"/cpulist)" ] && [ "$(lab_pnode_kb "$1")" = 0 ]; }
}
lab_check "2 pnodes, vCPU 0 on pnode 0 and vCPU 1 on pnode 1" \
	lab_wait_for 120 lab_pnodes_apart
lab_check "$(cat $x/nr_pnodes) pnodes" test "$(cat $x/nr_pnodes)" = 2
xpv-guest-test view

# Saved here, restored in a 4-node host: vCPU 0 on pnode 3.
xpv-guest-test wait-move 0 3 600
lab_check "4 pnodes after the restore on a 4-node host ($(cat $x/nr_pnodes))" \
	test "$(cat $x/nr_pnodes)" = 4
lab_check "vCPU 1 on pnode 2" lab_wait_for 60 cpus_on 2 1
# what L2 touches now comes from pnode 3, where its QEMU's memory is bound
head -c 32m /dev/zero >/tmp/reshape.b
lab_check "pnode 3 backs memory ($(lab_pnode_kb 3) kB)" test "$(lab_pnode_kb 3)" -gt 0
lab_diag "pnodes' MemTotal: $(for p in 0 1 2 3; do echo -n "$p: $(lab_pnode_kb $p) kB "; done)"
xpv-guest-test view
echo "XPVSYNC reshape 4 checked"

# Saved there, restored in a 2-node host, vCPU 0 on pnode 1: pnode 3 is
# gone, and a policy bound to it must fall back and be counted.
lab_ktap xpv_policy_gone /lab/kselftest/xpv_policy_test gone 3 16 600
lab_check "2 pnodes after the restore on a 2-node host ($(cat $x/nr_pnodes))" \
	test "$(cat $x/nr_pnodes)" = 2
swapped() { cpus_on 1 0 && cpus_on 0 1; }
lab_check "vCPU 0 on pnode 1 and vCPU 1 on pnode 0" lab_wait_for 60 swapped
if pnode_empty 2 && pnode_empty 3; then
	lab_ok "pnodes 2 and 3 are gone, or hold no vCPU and no memory"
else
	lab_not_ok "pnodes 2 and 3 are gone, or hold no vCPU and no memory" \
		"pnode 2: CPUs '$(cat $x/pnode2/cpulist)', $(lab_pnode_kb 2) kB; pnode 3: CPUs '$(cat $x/pnode3/cpulist)', $(lab_pnode_kb 3) kB"
fi
rm -f /tmp/reshape.b
lab_check "64 MiB allocated and freed on the 2-node host" \
	sh -c 'head -c 64m /dev/zero >/tmp/reshape.c && rm /tmp/reshape.c'
xpv-guest-test view
grep '^xpv_' /proc/vmstat | sed 's/^/XPVLAB # L2:   vmstat /'
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
lab_check "no warning, BUG or oops in L2's kernel log" \
	sh -c '! dmesg | grep -E "WARNING|BUG|Oops|corruption|Bad page"'
