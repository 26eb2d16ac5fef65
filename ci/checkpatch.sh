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
# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires for every
# new file; instead each new kernel file must be covered by a MAINTAINERS
# entry other than THE REST, checked with get_maintainer.pl below.
case $comp in
linux) cp=(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --no-summary
	--ignore FILE_PATH_CHANGES) ;;
qemu) cp=(perl "$src/scripts/checkpatch.pl" --no-tree --terse --no-summary) ;;
*) die "unknown component $comp" ;;
esac
[ -f "$series/BASE" ] || die "no exported series in $series: run 'make series'"

allowed=': CHECK: Avoid CamelCase: <LLVMFuzzer(Initialize|TestOneInput)>$'
n=0 bad=0
for p in "$series"/*.patch; do
	[ -e "$p" ] || continue
	n=$((n + 1))
	out=$("${cp[@]}" "$p" 2>&1)
	rc=$?
	# libFuzzer's entry points have fixed names (tools/testing/xpv).
	if [ $rc -ne 0 ] && ! echo "$out" | grep -vE "$allowed" | grep -q .; then
		echo "$out" | sed 's/^/#   allowed: /'
		rc=0
	fi
	if [ $rc -eq 0 ]; then
		echo "ok $n - checkpatch $comp: $(basename "$p")"
	else
		echo "$out" | sed 's/^/#   /'
		echo "not ok $n - checkpatch $comp: $(basename "$p")"
		bad=1
	fi
done
if [ "$comp" = linux ]; then
	for f in $(git -C "$src" diff --name-only --diff-filter=A xpv-pristine xpv); do
		n=$((n + 1))
		if (cd "$src" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-tree -f "$f" 2>/dev/null) | grep -v 'THE REST' | grep -cE '\((maintainer|supporter):' >/dev/null; then
			echo "ok $n - MAINTAINERS covers $f"
		else
			echo "not ok $n - MAINTAINERS covers $f"
			bad=1
		fi
	done
fi
[ $n -gt 0 ] || echo "ok - checkpatch $comp # SKIP the $comp series has no patches yet"
exit $bad
