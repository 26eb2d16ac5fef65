#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KVM selftests the lab runs in L1 and the XPV guest selftests
# it runs in L2, against the patched tree's uapi headers, out of tree in
# build/obj/kselftest-kvm and kselftest-xpv.  Needs the kernel
# configured (ci/build-linux.sh), for headers_install.
set -euo pipefail

NAME=build-selftests
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
SRC=$BUILD/src/linux
KOBJ=$BUILD/obj/linux-lab
[ "${XPV_DEBUG:-0}" != 1 ] || KOBJ=$BUILD/obj/linux-debug
HDR=$BUILD/obj/linux-hdr
OUT=$BUILD/obj/kselftest-kvm
GOUT=$BUILD/obj/kselftest-xpv
LOG=$BUILD/logs/selftests.log
JOBS=${JOBS:-$(nproc)}
# XPV's own test, and the existing ones covering what XPV hooks into
# (PV MSRs, CPUID, binary stats).
TESTS=(x86_64/xpv_test x86_64/xpv_mem_test x86_64/xpv_fuzz_test x86_64/kvm_pv_test x86_64/cpuid_test kvm_binary_stats_test)

[ -f "$KOBJ/.config" ] || die "kernel not configured: run 'make kernel' first"
mkdir -p "$OUT" "$GOUT" "$BUILD/logs"
: >"$LOG"
say "headers_install"
make -s -C "$SRC" O="$KOBJ" headers_install INSTALL_HDR_PATH="$HDR" >>"$LOG" 2>&1 ||
	{ tail -n 20 "$LOG"; die "headers_install failed"; }
say "building ${TESTS[*]}"
run_logged "$LOG" 'echo building' make -C "$SRC/tools/testing/selftests/kvm" \
	OUTPUT="$OUT" KHDR_INCLUDES="-isystem $HDR/include" CC="ccache gcc" \
	-j"$JOBS" "${TESTS[@]/#/$OUT/}" || die "selftest build failed, full log: $LOG"
# Their symbols: the lab names where a test's VM was when it triple-faulted.
for t in "${TESTS[@]}"; do
	nm -n --defined-only "$OUT/$t" >"$OUT/$t.map"
done
# The guest's own: run in L2 (a guest with XPV) by the lab.
say "building the XPV guest selftests"
run_logged "$LOG" 'echo building' make -C "$SRC/tools/testing/selftests/xpv" \
	OUTPUT="$GOUT" KHDR_INCLUDES="-isystem $HDR/include" CC="ccache gcc" \
	-j"$JOBS" || die "XPV guest selftest build failed, full log: $LOG"
