#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XPV ABI has one definition: Linux's uapi headers (asm/kvm_xpv.h and
# the XPV lines of asm/kvm_para.h).  QEMU carries copies, made the way QEMU
# imports every KVM ABI, by scripts/update-linux-headers.sh.  Check that
# each copy is exactly what that script makes from our headers, so they
# cannot drift.  Prints TAP.  Needs both trees prepared (make kernel qemu).
set -euo pipefail
NAME=check-abi
. "$(dirname "$0")/lib.sh"

linux=$BUILD/src/linux/arch/x86/include/uapi/asm
qemu=$BUILD/src/qemu
[ -f "$linux/kvm_xpv.h" ] && [ -f "$qemu/scripts/update-linux-headers.sh" ] ||
	die "prepare the trees first: make kernel qemu"

# QEMU's own conversion function, taken from its script.
eval "$(sed -n '/^cp_portable() {/,/^}/p' "$qemu/scripts/update-linux-headers.sh")"
declare -F cp_portable >/dev/null || die "no cp_portable in QEMU's update-linux-headers.sh"
grep -q 'cp_portable "$tmpdir/include/asm/kvm_xpv.h"' "$qemu/scripts/update-linux-headers.sh" &&
	echo "ok 1 - QEMU's update-linux-headers.sh imports asm/kvm_xpv.h" ||
	echo "not ok 1 - QEMU's update-linux-headers.sh imports asm/kvm_xpv.h"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp_portable "$linux/kvm_xpv.h" "$tmp"
if diff -u "$qemu/include/standard-headers/asm-x86/kvm_xpv.h" "$tmp/kvm_xpv.h" >"$tmp/d1"; then
	echo "ok 2 - QEMU's standard-headers/asm-x86/kvm_xpv.h is the script's copy of ours"
else
	sed 's/^/# /' "$tmp/d1"
	echo "not ok 2 - QEMU's standard-headers/asm-x86/kvm_xpv.h is the script's copy of ours"
fi
cp_portable "$linux/kvm_para.h" "$tmp"
grep XPV "$qemu/include/standard-headers/asm-x86/kvm_para.h" >"$tmp/q" || true
grep XPV "$tmp/kvm_para.h" >"$tmp/l" || true
if [ -s "$tmp/l" ] && diff -u "$tmp/q" "$tmp/l" >"$tmp/d2"; then
	echo "ok 3 - the XPV lines of QEMU's kvm_para.h are the script's copy of ours"
else
	sed 's/^/# /' "$tmp/d2"
	echo "not ok 3 - the XPV lines of QEMU's kvm_para.h are the script's copy of ours"
fi
