#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# reshape.sh [lab.sh options]: the scenario guest-reshape, one L2 across
# three L1s of other shapes, each a run of lab.sh: saved in a 2-node L1
# (run a), restored in a 4-node one and saved again (run b), restored in
# a 2-node one (run c).  The migration streams go from run to run through
# a directory of this machine (lab.sh --share), removed at the end.
# Environment: RESHAPE_OUT (default build/lab/guest-reshape): each run's
# logs in RESHAPE_OUT/a, b and c.  Exit status: lab.sh's of the first run
# that failed, 0 when all three passed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
out=${RESHAPE_OUT:-$TOP/build/lab/guest-reshape}
share=$out/share
mkdir -p "$share"
rm -f "$share"/*.mig
# 4 nodes of 1 GiB: L2's 512 MiB bound to one of them (twice as much
# for the debug kernel, as lab.sh gives it)
m=1
[ "${XPV_DEBUG:-0}" != 1 ] || m=2
rc=0
for phase in a b c; do
	case $phase in b) shape=(--nodes 4 --mem $((4096 * m))) ;; *) shape=(--nodes 2 --mem $((2048 * m))) ;; esac
	echo "reshape: run $phase: ${shape[*]}"
	"$TOP/tools/lab/lab.sh" --out "$out/$phase" --share "$share" "${shape[@]}" \
		--set RESHAPE_PHASE=$phase "$@" guest-reshape || { rc=$?; break; }
done
if [ $rc != 0 ]; then
	echo "reshape: run $phase failed (exit status $rc)"
	[ $phase = c ] || echo "reshape: the runs after it, which need its stream, did not run"
fi
rm -f "$share"/*.mig
exit $rc
