#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: every tier of the project's tests, in order, counted.
#   unit tests -> kernel, QEMU and KVM selftest builds -> series export,
#   git am check and checkpatch -> the lab's Debian root -> lab scenarios
#   (L1 + L2).
# Each stage prints TAP ("ok"/"not ok" lines) and is counted; a stage whose
# prerequisite failed counts as failed, never as passed or silently skipped.
# The last line is "N passed, N failed, N skipped".
set -uo pipefail

NAME=test
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
LOGS=$BUILD/logs/test
mkdir -p "$LOGS"

passed=0 failed=0 skipped=0
declare -A stage_ok

# stage NAME [needs STAGE...] -- CMD...: run CMD, count its TAP lines.
stage() {
	local name=$1 dep log rc=0 p f s
	shift
	while [ "$1" != -- ]; do
		dep=$1
		shift
		if [ "${stage_ok[$dep]:-0}" != 1 ]; then
			echo "not ok - $name # not run: $dep failed"
			failed=$((failed + 1))
			stage_ok[$name]=0
			return
		fi
	done
	shift
	log=$LOGS/$name.log
	echo "# ==== $name: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	s=$(grep -Ec '^ok .*# (SKIP|skip)' "$log")
	p=$((p - s))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		# a plain command: its exit status is the single result
		if [ $rc -eq 0 ]; then
			echo "ok - $name"
			p=1
		else
			echo "not ok - $name # exit status $rc, log $log"
			f=1
		fi
	elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name # exited with status $rc after $p passing checks"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ $rc -eq 0 ] && [ "$f" -eq 0 ]; then stage_ok[$name]=1; else stage_ok[$name]=0; fi
}

start=$(date +%s)
stage unit -- make -s -C "$TOP/tools" O="$BUILD/tools" test
stage tools -- make -s -C "$TOP/tools" O="$BUILD/tools" all
stage kernel -- "$TOP/ci/build-linux.sh"
stage qemu -- "$TOP/ci/build-qemu.sh"
stage selftests kernel -- "$TOP/ci/build-selftests.sh"
for c in linux qemu; do
	stage "series-$c" -- sh -c "'$TOP/ci/src.sh' export $c && '$TOP/ci/src.sh' check $c"
done
stage checkpatch-linux series-linux -- "$TOP/ci/checkpatch.sh" linux
stage checkpatch-qemu series-qemu -- "$TOP/ci/checkpatch.sh" qemu
stage abi-copies kernel qemu -- "$TOP/ci/check-abi.sh"
stage qemu-xpv qemu -- "$TOP/ci/check-qemu.sh"
stage rootfs -- "$TOP/ci/build-rootfs.sh"
stage lab-smoke kernel qemu tools -- "$TOP/tools/lab/lab.sh" smoke
stage lab-kvm-selftests kernel qemu tools selftests -- \
	"$TOP/tools/lab/lab.sh" kvm-selftests
stage lab-guest-topology kernel qemu tools selftests -- "$TOP/tools/lab/lab.sh" guest-topology
stage lab-guest-memory kernel qemu tools -- "$TOP/tools/lab/lab.sh" guest-memory
stage lab-guest-pages kernel qemu tools selftests -- "$TOP/tools/lab/lab.sh" guest-pages
stage lab-guest-alloc kernel qemu tools selftests -- "$TOP/tools/lab/lab.sh" guest-alloc
stage lab-guest-alloc-stress kernel qemu tools -- "$TOP/tools/lab/lab.sh" guest-alloc-stress
stage lab-guest-migrate kernel qemu tools -- "$TOP/tools/lab/lab.sh" guest-migrate
stage lab-libvirt kernel qemu tools rootfs -- "$TOP/tools/lab/lab.sh" libvirt
stage lab-host-off kernel qemu tools -- "$TOP/tools/lab/lab.sh" --l1-append kvm.xpv=0 host-off

echo "# make test took $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
