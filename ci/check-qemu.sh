#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the built QEMU does with XPV where no KVM is needed to see it
# (this machine has none; the lab checks the rest under KVM in L1).
# Prints TAP.
#  - kvm-xpv=on without KVM is refused with a message that says why, set
#    with -cpu or, as a stock libvirt's domain does, with -global;
#  - a VM without it starts, and query-xpv says XPV needs KVM.
# (The libvirt examples are validated against the built libvirt's
# schema by ci/build-libvirt.sh check.)
set -uo pipefail
NAME=check-qemu
. "$(dirname "$0")/lib.sh"

qemu=$BUILD/obj/qemu/qemu-system-x86_64
[ -x "$qemu" ] || die "no QEMU: make qemu"
base=(-accel tcg -M pc -nodefaults -display none -L /usr/share/seabios -L /usr/share/qemu)
n=0
check() { # NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fi
}

# refused ARGS...: QEMU exits non-zero at once, saying kvm-xpv=on needs KVM.
refused() {
	local out rc
	out=$(timeout 60 "$qemu" "${base[@]}" -S "$@" 2>&1)
	rc=$?
	echo "# $out" | head -n 3
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'kvm-xpv=on needs -accel kvm' <<<"$out"
}
check "without KVM, -cpu qemu64,kvm-xpv=on is refused, saying why" \
	refused -cpu qemu64,kvm-xpv=on
check "without KVM, -global x86_64-cpu.kvm-xpv=on (the libvirt example's way) is refused" \
	refused -cpu qemu64 -global x86_64-cpu.kvm-xpv=on

# A VM without XPV starts; query-xpv answers that XPV needs KVM.
plain() {
	local out
	out=$(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-xpv"}' \
		'{"execute":"quit"}' |
		timeout 60 "$qemu" "${base[@]}" -S -cpu qemu64 -qmp stdio 2>&1)
	echo "$out" | grep -v '^{"QMP"' | sed 's/^/# /'
	grep -q '"desc": "XPV needs KVM (-accel kvm)"' <<<"$out" &&
		grep -q '"event": "SHUTDOWN"' <<<"$out"
}
check "without kvm-xpv=on QEMU starts; query-xpv says XPV needs KVM" plain

[ $n -gt 0 ] || echo "not ok 1 - no checks ran"
