#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the component's own checkpatch on every patch of the exported series
# (build/series/<c>, from `make series`): the kernel's with --strict, QEMU's
# as QEMU runs it.  TAP output, one line per patch.
set -uo pipefail

NAME=checkpatch
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"

comp=${1:?usage: ci/checkpatch.sh linux|qemu}
series=$BUILD/series/$comp
src=$BUILD/src/$comp
case $comp in
linux) cp=(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --no-summary) ;;
qemu) cp=(perl "$src/scripts/checkpatch.pl" --no-tree --terse --no-summary) ;;
*) die "unknown component $comp" ;;
esac
[ -f "$series/BASE" ] || die "no exported series in $series: run 'make series'"

n=0 bad=0
for p in "$series"/*.patch; do
	[ -e "$p" ] || continue
	n=$((n + 1))
	if out=$("${cp[@]}" "$p" 2>&1); then
		echo "ok $n - checkpatch $comp: $(basename "$p")"
	else
		echo "$out" | sed 's/^/#   /'
		echo "not ok $n - checkpatch $comp: $(basename "$p")"
		bad=1
	fi
done
[ $n -gt 0 ] || echo "ok - checkpatch $comp # SKIP the $comp series has no patches yet"
exit $bad
