#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HotSpot's own jtreg tests of what patches/openjdk touches, with the
# patched libjvm.so (ci/build-openjdk.sh) and Debian's class library and
# tools of the same version, in the lab's Debian root (make rootfs: its
# openjdk-17-jdk-headless and jtreg7), on this machine: the NUMA tests
# of gc/ (-XX:+UseNUMA with ParallelGC and G1, NUMA interleaving, NUMA
# with large pages) and ParallelGC's own tests.  Here, without XPV and
# with one node or more, they check that the patched VM behaves as
# Debian's; the lab's guest-hotspot scenario runs it on live pnodes.
#
# Needs root (chroot), as make rootfs does.  Prints TAP: one line a test.
set -euo pipefail

NAME=check-openjdk
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
ROOT=$BUILD/rootfs/debian
TESTS=$BUILD/src/openjdk/test
LIB=$BUILD/obj/openjdk/lab/jvm/libjvm.so
OUT=$BUILD/logs/openjdk-jtreg
H=/usr/lib/jvm/java-17-openjdk-amd64
# The tests, relative to test/hotspot/jtreg.
JTREG_TESTS=(
	gc/arguments/TestUseNUMAInterleaving.java
	gc/arguments/TestSmallInitialHeapWithLargePageAndNUMA.java
	gc/TestNUMAPageSize.java
	gc/g1/numa/TestG1NUMATouchRegions.java
	gc/parallel
	runtime/os
)

[ -x "$ROOT$H/bin/javac" ] && [ -x "$ROOT/usr/bin/jtreg" ] ||
	die "the Debian root has no JDK or jtreg: run 'make rootfs'"
[ -f "$LIB" ] || die "no ${LIB#"$TOP"/}: run 'make openjdk'"
[ -d "$TESTS/hotspot/jtreg" ] || die "no HotSpot tests in ${TESTS#"$TOP"/}: run 'make openjdk'"
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "chroot needs root (or sudo)"
	exec sudo -n -E "$0" "$@"
fi
rm -rf "$OUT"
mkdir -p "$OUT"

# In a mount namespace of its own: the root gets /proc, a /tmp, the
# tests (read-only, as /tmp/src/test: their TEST.ROOT finds the test
# library at ../../../test/lib) and the output directory, and loses them
# on exit.
# The JDK under test is Debian's with the patched libjvm.so, laid out as
# in the lab (tools/java/xpvjdk.sh).
say "jtreg in ${ROOT#"$TOP"/}: ${JTREG_TESTS[*]}; results in ${OUT#"$TOP"/}"
unshare -m sh -ec '
	R=$1 H=$2
	mount -t proc proc "$R/proc"
	mount -t tmpfs tmp "$R/tmp"
	mkdir -p "$R/tmp/src/test" "$R/tmp/out"
	mount --bind "$3" "$R/tmp/src/test"
	mount -o remount,bind,ro "$R/tmp/src/test"
	mount --bind "$5" "$R/tmp/out"
	"$6" "$R" "$H" /tmp/xpvjdk "$4"
	shift 6
	exec chroot "$R" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/bin:/bin \
		sh -ec "
		J=/tmp/xpvjdk
		\$J/bin/java -version 2>&1 | tail -n1
		cd /tmp/src/test/hotspot/jtreg
		jtreg -jdk:\$J -w /tmp/out/work -r /tmp/out/report -v:fail,error,summary \
			-timeoutFactor:4 -conc:1 $*
		"
' sh "$ROOT" "$H" "$TESTS" "$LIB" "$OUT" "$TOP/tools/java/xpvjdk.sh" "${JTREG_TESTS[*]}" >"$OUT/jtreg.log" 2>&1 || true

# jtreg's summary lines ("Passed: gc/...", "FAILED: ...", "Error: ..."),
# from its report: one TAP line a test.
sum=$OUT/report/text/summary.txt
[ -f "$sum" ] || { cat "$OUT/jtreg.log"; die "jtreg ran no test (log above)"; }
head -n1 "$OUT/jtreg.log" | sed 's/^/# VM under test: /'
n=0 bad=0
while read -r t status rest; do
	n=$((n + 1))
	case $status in
	Passed.) echo "ok $n - jtreg $t" ;;
	*)
		bad=$((bad + 1))
		echo "not ok $n - jtreg $t # $status $rest (log: ${OUT#"$TOP"/}/work/${t%.java}.jtr)" ;;
	esac
done <"$sum"
echo "1..$n"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
