# L2 half of bench-hotspot (see l1.sh).
X=/sys/devices/system/xpv
H=$LAB_DEBIAN_JDK	# Debian's, in the Debian root
J=/tmp/xpvjdk		# the same with the patched libjvm.so
S=${HS_SECONDS:-60}
lab_check "mount the Debian root (virtio-9p through L1)" lab_rootfs_mount || exit 1
lab_l2_striped_ready "XPVSYNC hotspot waiting"
lab_check "Debian's JDK with the patched libjvm.so in $J" lab_xpvjdk $J
# run CONFIG JAVA-HOME NUMA-OPTION: XpvAlloc with two pinned threads for
# S seconds while L1 swaps the vCPUs' nodes; its throughput and pauses.
run() {
	lab_java "$1" "$2" "$S" gc,os+numa "$3"
	_pid=$lab_jpid
	lab_check "$1: thread xpv-alloc-0 on vCPU 0, xpv-alloc-1 on vCPU 1" lab_wait_output 120 lab_pin_threads $_pid xpv-alloc-
	echo "XPVSYNC bench $1 start"
	wait $_pid
	_rc=$?
	echo "XPVSYNC bench $1 end"
	lab_check "$1: the JVM ran its $S s (status $_rc)" sh -c \
		"cat /tmp/$1.java.out; [ $_rc = 0 ] && grep -q '^java: allocated' /tmp/$1.java.out"
	_mib=$(sed -n 's/^java: allocated \([0-9]*\) MiB/\1/p' /tmp/"$1".java.out)
	_changes=$(grep -c 'NUMA topology version' /tmp/"$1".jvm.log)
	lab_diag "$(awk -v c="$1" -v mib="${_mib:-0}" -v s="$S" -v ch="$_changes" '
		/Pause Young/ { v = $NF; sub(/ms$/, "", v); n++; sum += v; if (v > max) max = v }
		/Pause Full/ { full++ }
		END { printf "bench: %s: %d MiB in %d s (%.1f MiB/s), %d young collections (mean %.2f ms, max %.2f ms), %d full, %d topology changes taken",
			c, mib, s, mib / s, n, n ? sum / n : 0, max, full, ch }' /tmp/"$1".jvm.log)"
	lab_check "the topology settles" lab_xpv_settle
}
run xpv $J -XX:+UseNUMA
run debian $H -XX:+UseNUMA
run nonuma $J -XX:-UseNUMA
