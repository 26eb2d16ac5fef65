# L2 half of guest-hotspot (see l1.sh).
X=/sys/devices/system/xpv
H=$LAB_DEBIAN_JDK	# Debian's, in the Debian root
J=/tmp/xpvjdk		# the same with the patched libjvm.so
lab_check "mount the Debian root (virtio-9p through L1)" lab_rootfs_mount || exit 1
lab_l2_striped_ready "XPVSYNC hotspot waiting"
lab_check "Debian's JDK with the patched libjvm.so in $J" lab_xpvjdk $J
# version JAVA-HOME: java -version; the VM's version (17.0.19+10) is the
# class library's.
version() {
	lab_rootfs "$1"/bin/java -version >/tmp/version.out 2>&1
	cat /tmp/version.out
	_rt=$(sed -n 's/.*Runtime Environment (build \([^-]*\)-.*/\1/p' /tmp/version.out)
	_vm=$(sed -n 's/.*VM (build \([^-]*\)-.*/\1/p' /tmp/version.out)
	echo "class library $_rt, VM $_vm"
	[ -n "$_rt" ] && [ "$_rt" = "$_vm" ]
}
lab_check "the patched HotSpot is the version of Debian's class library" version $J
lab_check "the patched HotSpot says it is the patched one (-xpv)" grep -q 'VM (build .*-xpv' /tmp/version.out

# one_node JAVA-HOME: -XX:+UseNUMA on Debian's libnuma1, which speaks the
# guest's own nodes (one): the VM runs, with NUMA off.
one_node() {
	lab_rootfs "$1"/bin/java -XX:+UseParallelGC -XX:+UseNUMA -Xmx64m -XX:TieredStopAtLevel=1 \
		-Xlog:os=info -cp /lab/jvm XpvAlloc 5 1 >/tmp/one.out 2>&1
	_rc=$?
	grep -i 'numa\|allocated\|error' /tmp/one.out
	[ $_rc = 0 ] && grep -q '^java: allocated' /tmp/one.out && ! grep -q 'UseNUMA is enabled' /tmp/one.out
}
lab_check "one node (Debian's libnuma): the patched VM runs with -XX:+UseNUMA, NUMA off" one_node $J
lab_check "one node (Debian's libnuma): Debian's VM the same" one_node $H

# count TAG PATTERN: lines of the JVM TAG's log that match PATTERN.
count() { grep -c "$2" /tmp/"$1".jvm.log 2>/dev/null || true; }
# gcs_from TAG N: the JVM TAG has made N young collections or more.
gcs_from() {
	_n=$(count "$1" 'Pause Young')
	echo "$_n young collections, $2 or more expected"
	[ "${_n:-0}" -ge "$2" ]
}
# share TAG N P MIN: of the pages in "pages: TAG N present ...", MIN% or
# more on pnode P, as L2 sees them.
share() {
	awk -v tag="$1 $2" -v p="pnode$3" -v min="$4" '
		index($0, "pages: " tag " present ") == 1 {
			for (i = 6; i < NF; i += 2) if ($i == p) on = $(i + 1)
			printf "%d of %d pages on %s, %d%% or more expected\n", on, $5, p, min
			found = 1; exit !($5 > 0 && 100 * on >= min * $5)
		}
		END { if (!found) { print "no \"pages: " tag "\" line"; exit 1 } }' /tmp/"$1".pages
}
not() { ! "$@"; }
# list TAG N START END: list the JVM TAG's pages in [START, END) for L1
# (XPVPAGES, then "XPVSYNC TAG N listed").
list() {
	/lab/numa/xpv-numafollow-static pages "$jpid" "$3" "$4" "$1 $2" | tee -a /tmp/"$1".pages
}
# pause TAG N: the JVM TAG's threads stop allocating (the Nth time).
pause() {
	touch /tmp/xpv-java-pause
	lab_check "the JVM $1 stops allocating" \
		lab_wait_for 300 sh -c "[ \$(grep -c '^XPVSYNC java paused' /tmp/$1.java.out) -ge $2 ]"
}
# last_heap TAG WHAT: the ranges of WHAT ("eden" or "lgrp") in the JVM's
# last print of its heap (gc+heap=debug): "ID START END" a line.
last_heap() {
	if [ "$2" = eden ]; then
		sed -n 's/.* eden space .*\[\(0x[0-9a-f]*\),0x[0-9a-f]*,\(0x[0-9a-f]*\)).*/eden \1 \2/p' \
			/tmp/"$1".jvm.log | tail -n1
	else
		sed -n 's/.* lgrp \([0-9]*\) space .*\[\(0x[0-9a-f]*\),0x[0-9a-f]*,\(0x[0-9a-f]*\)).*/\1 \2 \3/p' \
			/tmp/"$1".jvm.log | tail -n2
	fi
}
# lgrp0_used_at_most TAG PERCENT: the space of pnode 0 of the JVM TAG's
# eden was at most PERCENT used at its last two collections (the heap's
# print before and after each).
lgrp0_used_at_most() {
	_max=$(grep ' lgrp 0 space ' /tmp/"$1".jvm.log | tail -n 4 |
		sed 's/.* \([0-9]*\)% used .*/\1/' | sort -n | tail -n 1)
	echo "the space of pnode 0 at most ${_max:-?}% used, $2% or less expected"
	[ -n "$_max" ] && [ "$_max" -le "$2" ]
}
# jvm TAG JAVA-HOME PATCHED: a JVM of JAVA-HOME with ParallelGC on the
# pnodes (the patched libnuma), thread xpv-alloc-0 on vCPU 0 and
# xpv-alloc-1 on vCPU 1.  Its eden has a space per pnode, each bound to
# its pnode.  After L1 moved vCPU 0 to node 1: the patched HotSpot
# (PATCHED 1) sees the change, keeps its layout, and both threads
# allocate in the space of pnode 1 (nothing in pnode 0's); Debian's (0)
# keeps xpv-alloc-0 in the space of pnode 0.  Either way the space of
# pnode 1 has its pages there.
# start TAG JAVA-HOME: a JVM of JAVA-HOME with ParallelGC and UseNUMA on
# the pnodes (the patched libnuma) running XpvAlloc's two threads,
# xpv-alloc-0 pinned to vCPU 0 and xpv-alloc-1 to vCPU 1 (PID in jpid),
# once it has made three young collections.
start() {
	rm -f /tmp/xpv-java-pause /tmp/"$1".pages
	lab_java "$1" "$2" 1800 gc,gc+heap=debug,gc+heap+numa,os+numa,os=info -XX:+UseNUMA
	jpid=$lab_jpid
	lab_check "the JVM $1 (pid $jpid) uses NUMA on pnodes 0 and 1" lab_wait_output 300 \
		grep 'UseNUMA is enabled.*nodes: 0 1$' /tmp/"$1".jvm.log
	lab_check "the JVM $1: thread xpv-alloc-0 on vCPU 0, xpv-alloc-1 on vCPU 1" \
		lab_wait_output 120 lab_pin_threads "$jpid" xpv-alloc-
	_gcs=$(count "$1" 'Pause Young')
	lab_check "the JVM $1 collects" lab_wait_output 600 gcs_from "$1" $((_gcs + 3))
}
# stop TAG: SIGTERM to the JVM TAG, and SIGKILL a minute later if it is
# still there; it ends with 143 and no error.
stop() {
	kill "$jpid"
	(sleep 60 && kill -9 "$jpid") 2>/dev/null &
	_killer=$!
	wait "$jpid"
	_rc=$?
	kill "$_killer" 2>/dev/null
	lab_check "the JVM $1 ended on SIGTERM: status $_rc (143 expected)" test "$_rc" = 143
	lab_check "the JVM $1 ran without an error" sh -c "cat /tmp/$1.java.out;
		! grep -q 'Error\|Exception\|SIGSEGV' /tmp/$1.java.out && ! ls /tmp/hs_err* 2>/dev/null"
}
jvm() {
	start "$1" "$2"
	pause "$1" 1
	last_heap "$1" lgrp >/tmp/lgrp.ranges
	lab_check "the JVM $1's eden has a space for pnode 0 and one for pnode 1" \
		sh -c "cat /tmp/lgrp.ranges; [ \"\$(cut -d' ' -f1 /tmp/lgrp.ranges | tr '\n' ' ')\" = '0 1 ' ]"
	# shellcheck disable=SC2046 # START END
	list "$1" 1 $(sed -n 's/^0 //p' /tmp/lgrp.ranges)
	lab_check "$1 1: 95% or more of the pages of the space of pnode 0 on pnode 0, as L2 sees them" \
		share "$1" 1 0 95
	# shellcheck disable=SC2046 # START END
	list "$1" 2 $(sed -n 's/^1 //p' /tmp/lgrp.ranges)
	lab_check "$1 2: 95% or more of the pages of the space of pnode 1 on pnode 1, as L2 sees them" \
		share "$1" 2 1 95
	lab_check "L1 moved vCPU 0 to pnode 1" lab_wait_for 600 grep -qx 0-1 $X/pnode1/cpulist
	_gcs=$(count "$1" 'Pause Young')
	rm /tmp/xpv-java-pause
	if [ "$3" = 1 ]; then
		lab_check "the JVM $1 saw the topology change: vCPU 0 on node 1" lab_wait_output 600 \
			grep 'NUMA topology version .*cpu 0: node 0 -> 1' /tmp/"$1".jvm.log
		_gcs=$(count "$1" 'Pause Young')
	fi
	lab_check "the JVM $1 collects after the move" lab_wait_output 600 gcs_from "$1" $((_gcs + 3))
	pause "$1" 2
	if [ "$3" = 1 ]; then
		lab_check "the JVM $1 kept its eden's layout: a vCPU move needs none" \
			not grep 'NUMA topology changed' /tmp/"$1".jvm.log
		lab_check "the JVM $1: nothing allocates in the space of pnode 0 any more (at most 5% used at the last collections)" \
			lgrp0_used_at_most "$1" 5
	else
		lab_check "the JVM $1 (the control): xpv-alloc-0 still allocates in the space of pnode 0 (20% used or more at the last collections)" \
			not lgrp0_used_at_most "$1" 19
	fi
	last_heap "$1" lgrp >/tmp/lgrp.ranges
	# shellcheck disable=SC2046 # START END
	list "$1" 3 $(sed -n 's/^1 //p' /tmp/lgrp.ranges)
	lab_check "$1 3: 95% or more of the pages of the space of pnode 1 on pnode 1, as L2 sees them" \
		share "$1" 3 1 95
	lab_check "L1 moved vCPU 0 back to pnode 0" lab_wait_for 600 lab_pnodes_apart
	stop "$1"
	lab_check "the topology settles" lab_xpv_settle
}
jvm xpv $J 1
jvm debian $H 0

# pnode_kb_is P OP KB: pnode P backs OP KB of L2's memory (test's OP).
pnode_kb_is() {
	_kb=$(lab_pnode_kb "$1")
	echo "pnode $1 backs ${_kb:-?} KiB"
	[ -n "$_kb" ] && [ "$_kb" "$2" "$3" ]
}
# A pnode that the heap loses and gets back: L1 moves all of L2's memory
# to node 1 (pnode 0 keeps vCPU 0 and no memory), then every other 2 MiB
# chunk back to node 0.  The patched VM lays its eden out again each
# time: one space, of pnode 1, with all its pages there; then two.
start nodes $J
echo "XPVSYNC hotspot memory"
lab_check "L1 moved all of L2's memory to node 1: pnode 0 backs none" \
	lab_wait_output 900 pnode_kb_is 0 -eq 0
lab_check "the JVM nodes saw pnode 0 go: 1 node for the heap" lab_wait_output 600 \
	grep 'NUMA topology version .*: 1 node(s) for the heap (changed)' /tmp/nodes.jvm.log
lab_check "the JVM nodes laid its eden out again: one space" lab_wait_output 600 \
	grep 'NUMA topology changed: 1 lgrp spaces' /tmp/nodes.jvm.log
_gcs=$(count nodes 'Pause Young')
lab_check "the JVM nodes collects after the change" lab_wait_output 600 gcs_from nodes $((_gcs + 2))
pause nodes 1
_eden=$(last_heap nodes eden)
# shellcheck disable=SC2086 # eden START END
list nodes 1 ${_eden#eden }
lab_check "nodes 1: 95% or more of the eden's pages on pnode 1, as L2 sees them" share nodes 1 1 95
rm /tmp/xpv-java-pause
echo "XPVSYNC hotspot stripe"
# pnode 0 may get a little back before (L1's khugepaged collapses L2's
# pages under QEMU's policy, bound to node 0): a third is L1's stripe.
pnode0_third() {
	_k0=$(lab_pnode_kb 0) _k1=$(lab_pnode_kb 1)
	echo "pnode 0 backs ${_k0:-?} KiB, pnode 1 ${_k1:-?} KiB"
	[ "${_k0:-0}" -gt 0 ] && [ $((_k0 * 3)) -ge $((_k0 + ${_k1:-0})) ]
}
lab_check "L1 moved half of L2's memory back to node 0: pnode 0 backs a third or more" \
	lab_wait_output 900 pnode0_third
lab_check "the JVM nodes saw pnode 0 come back: 2 nodes for the heap" lab_wait_output 600 \
	grep 'NUMA topology version .*: 2 node(s) for the heap (changed)' /tmp/nodes.jvm.log
lab_check "the JVM nodes laid its eden out again: two spaces" lab_wait_output 600 \
	grep 'NUMA topology changed: 2 lgrp spaces' /tmp/nodes.jvm.log
stop nodes
