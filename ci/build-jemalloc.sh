#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Debian's jemalloc with patches/jemalloc (percpu_arena:pnode, an
# arena per pnode of an XPV guest), in build/obj/jemalloc, against the
# patched kernel's uapi headers (MPOL_F_PNODES and KVM_XPV_MAX_PNODES come
# from their one definition).  Configured as Debian configures it for
# amd64 (debian/rules), so that where XPV is not in play it is Debian's
# libjemalloc2:
#   - lib/libjemalloc.so.2, for LD_PRELOAD in the lab's L2, and its unit
#     test of the pnode option (test/unit/pnode), which the lab runs too;
#   - xpv-jemfollow (tools/jemfollow), the lab's jemalloc program.
# With CHECK=1 it then runs jemalloc's own test suite (make check) on
# this machine, the pnode option's fallback without XPV, and a comparison
# with Debian's unpatched libjemalloc2.
set -euo pipefail

NAME=build-jemalloc
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ci/versions
. "$TOP/ci/versions"
SRC=$BUILD/src/jemalloc
HDR=$BUILD/obj/linux-hdr
OBJ=$BUILD/obj/jemalloc
LOG=$BUILD/logs/jemalloc.log
JOBS=${JOBS:-$(nproc)}
# Debian's configure options for amd64 (debian/rules), and a virtual
# address width of 48 bits.  configure takes the width from the build
# machine's CPU (57 bits on one with 5-level paging), and it sizes the
# radix tree of extents: Debian's binary maps what a 48-bit build maps
# (measured on such a CPU, where a 57-bit build mapped 1.25 MiB less
# metadata and the comparison with Debian's binary below failed).
CONFIGURE_ARGS=(--prefix=/usr --with-version=VERSION --with-lg-page=12
	--with-lg-hugepage=21 --enable-prof --with-lg-vaddr=48)

need_xpv_headers "$HDR"
[ -f "$HDR/include/asm/kvm_xpv.h" ] ||
	die "${HDR#"$TOP"/} has no asm/kvm_xpv.h (KVM_XPV_MAX_PNODES): run 'make selftests' again"
"$TOP/ci/src.sh" prepare jemalloc
mkdir -p "$BUILD/logs" "$OBJ"
: >"$LOG"

# jemalloc builds in its tree, and autoconf writes into it: build in a
# copy.  rsync --checksum without -t leaves unchanged files (and their
# times) alone, so a fresh checkout of the same text rebuilds nothing; it
# deletes nothing, so the build's outputs stay; configure is autoconf's.
rsync -rl --checksum --exclude=.git --exclude=/configure "$SRC/" "$OBJ/src/"
# configure: again when configure.ac or the flags change.
stamp="$(cat "$SRC/configure.ac" "$SRC/Makefile.in" | sha256sum) $HDR ${CONFIGURE_ARGS[*]}"
if [ "$(cat "$OBJ/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$OBJ/src/Makefile" ]; then
	say "autoconf; configure ${CONFIGURE_ARGS[*]}"
	(cd "$OBJ/src" && autoconf && ./configure "${CONFIGURE_ARGS[@]}" \
		CC="ccache gcc" CPPFLAGS="-isystem $HDR/include") >>"$LOG" 2>&1 ||
		{ tail -n 20 "$LOG"; die "configure failed, full log: $LOG"; }
	echo "$stamp" >"$OBJ/.stamp"
fi
grep -q '^#define JEMALLOC_HAVE_XPV_PNODE' \
	"$OBJ/src/include/jemalloc/internal/jemalloc_internal_defs.h" ||
	die "configure did not find MPOL_F_PNODES: percpu_arena:pnode is not built in (see $LOG)"

say "building lib/libjemalloc.so.2 and test/unit/pnode (-j$JOBS), log in ${LOG#"$TOP"/}"
run_logged "$LOG" 'echo building' make -C "$OBJ/src" -j"$JOBS" build_lib_shared test/unit/pnode ||
	die "jemalloc build failed, full log: $LOG"

# Debian's libjemalloc2, the unpatched build of this source, for the lab
# to compare with.
deb=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -f $deb ] || die "Debian's libjemalloc2 is not installed: run 'make deps'"
have=$(dpkg-query -W -f='${Version}' libjemalloc2)
[ "$have" = "$JEMALLOC_DEB_VERSION" ] ||
	say "WARNING: Debian's libjemalloc2 is $have, the source is $JEMALLOC_DEB_VERSION: the lab compares with $have"
install -D -m 755 $deb "$OBJ/debian/libjemalloc.so.2"

# The lab's jemalloc program (tools/jemfollow).
run_logged "$LOG" 'echo building' make -C "$TOP/tools" O="$BUILD/tools" \
	CC="ccache gcc" KHDR="$HDR" jemalloc ||
	die "tools/jemfollow build failed, full log: $LOG"
say "built: ${OBJ#"$TOP"/}/src/lib/libjemalloc.so.2"

[ "${CHECK:-0}" = 1 ] || exit 0

# jemalloc's own tests: the unit and integration suites of make check
# (the prof and decay variants too), one TAP line per test program.
say "make check (jemalloc's test suite, on this machine)"
rc=0
# the programs in parallel, their runs one after the other (parallel runs
# would interleave their output)
run_logged "$LOG" 'echo building the tests' make -C "$OBJ/src" -j"$JOBS" tests || rc=$?
[ $rc -ne 0 ] ||
	run_logged "$LOG" 'grep -c "^=== test/" "$LOG"' make -C "$OBJ/src" -j1 check || rc=$?
# test/test.sh prints "=== test/unit/x ===", then "test_name (non-reentrant):
# pass" lines and a summary per program: "--- pass: N/M, skip: ..., fail:
# ... ---".  The integration programs run once per MALLOC_CONF variant
# (decay, prof): the variant is in the name.
awk '/test\/test.sh/ { v = ""; if (match($0, /^MALLOC_CONF="[^"]*"/)) v = " (" substr($0, RSTART, RLENGTH) ")" }
     /^=== test\// { t = $2 v }
     /^--- pass: / && t != "" {
	r = substr($0, 5); sub(/ ---$/, "", r)
	if (r ~ /fail: 0\//) print "ok - jemalloc make check: " t " # " r
	else print "not ok - jemalloc make check: " t " # " r
	t = "" }' "$LOG"
[ $rc -eq 0 ] || die "jemalloc's make check failed (exit $rc), log $LOG"

# Without XPV (this machine), percpu_arena:pnode is percpu_arena:phycpu,
# and abort_conf makes that an error that says why.
JE=$OBJ/src/lib/libjemalloc.so.2
JF=$BUILD/tools/xpv-jemfollow
out=$(LD_PRELOAD=$JE MALLOC_CONF=percpu_arena:pnode "$JF" opt 2>&1) || true
if [ "$out" = "jemalloc: percpu_arena phycpu" ]; then
	echo "ok - jemalloc without XPV: percpu_arena:pnode falls back to phycpu"
else
	echo "not ok - jemalloc without XPV: percpu_arena:pnode falls back to phycpu # saw '$out'"
fi
out=$(LD_PRELOAD=$JE MALLOC_CONF=percpu_arena:pnode,abort_conf:true "$JF" opt 2>&1) && rc=0 || rc=$?
if [ $rc -ne 0 ] && grep -q 'percpu_arena:pnode: .*not an XPV guest' <<<"$out"; then
	echo "ok - jemalloc without XPV: percpu_arena:pnode with abort_conf stops, saying why (exit $rc)"
else
	echo "not ok - jemalloc without XPV: percpu_arena:pnode with abort_conf stops, saying why # exit $rc, saw '$out'"
fi
# Debian's unpatched build of the same source, where the option is not
# used: the same statistics for the same program.  percpu_arena gives
# each CPU its arena, so a run that the scheduler moves to the other CPU
# halfway creates a second arena and maps more metadata (one run in
# about ten here): up to three tries, and the first equal pair counts.
# (taskset would not do: jemalloc turns percpu_arena off when its
# affinity is narrower than the online CPUs.)
for try in 1 2 3; do
	a=$(LD_PRELOAD=$OBJ/debian/libjemalloc.so.2 MALLOC_CONF=percpu_arena:phycpu "$JF" stats 2>&1)
	b=$(LD_PRELOAD=$JE MALLOC_CONF=percpu_arena:phycpu "$JF" stats 2>&1)
	[ "$a" != "$b" ] || break
done
if [ "$a" = "$b" ] && [ -n "$a" ]; then
	echo "ok - jemalloc without the pnode option: its statistics equal Debian's libjemalloc2's ($(echo "$a" | wc -l) lines, try $try)"
else
	echo "not ok - jemalloc without the pnode option: its statistics equal Debian's libjemalloc2's # diff:"
	diff <(echo "$a") <(echo "$b") | head -n 20 | sed 's/^/#   /'
fi
