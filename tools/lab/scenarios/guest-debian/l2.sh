# L2 half of guest-debian (see l1.sh).
lab_check "mount the Debian root (virtio-9p through L1)" lab_rootfs_mount || exit 1
lab_rootfs /bin/bash -c 'echo "XPVSYNC debian shell: bash $BASH_VERSION, Debian $(cat /etc/debian_version)"'
lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
lab_check "vCPU 0 on pnode 0, vCPU 1 on pnode 1" lab_wait_for 120 lab_pnodes_apart

# Debian's numactl: one node on Debian's libnuma, the pnodes on the
# patched one (what a user gets by installing it in place of libnuma1).
# hw N [VAR=VALUE...]: its --hardware says "available: N nodes".
hw() {
	_n=$1
	shift
	lab_rootfs env "$@" numactl --hardware >/tmp/hw.out 2>&1
	cat /tmp/hw.out
	grep -q "^available: $_n nodes" /tmp/hw.out
}
lab_check "Debian's numactl --hardware on Debian's libnuma: 1 node" hw 1
lab_check "Debian's numactl --hardware on the patched libnuma: 2 pnodes" \
	hw 2 LD_LIBRARY_PATH=/lab/numa

# 2 workers, 48 MiB each, every page written and read back.
lab_check "stress-ng --vm with --verify: a successful run" \
	lab_rootfs stress-ng --temp-path /tmp --vm 2 --vm-bytes 48M --verify --timeout 20s \
		--metrics-brief

# Count the topology updates L2 takes while L1 moves vCPU 0 to node 1,
# until L2 reads both vCPUs on pnode 1 (at most 120 s).
lab_rootfs perf stat -x, -a -e xpv:xpv_topology_update -o /tmp/perf.csv -- \
	/bin/sh -c 'echo "XPVSYNC debian move"; i=0
		until grep -qx 0-1 /sys/devices/system/xpv/pnode1/cpulist; do
			i=$((i + 1)); [ $i -le 1200 ] || exit 1; sleep 0.1
		done'
rc=$?
lab_check "L2 reads vCPU 0 on pnode 1 after L1 moved it" sh -c \
	"echo 'pnode1: $(cat /sys/devices/system/xpv/pnode1/cpulist)'; [ $rc = 0 ]"
c=$(lab_perf_count /tmp/perf.csv xpv:xpv_topology_update)
lab_check "perf: xpv:xpv_topology_update counted ${c:-nothing} for the move (1 or more expected)" \
	sh -c "cat /tmp/perf.csv; [ '${c:-0}' -ge 1 ] 2>/dev/null"
