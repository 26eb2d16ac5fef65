# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the ci/ scripts.  Source it after setting NAME.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Paths below TOP are hashed relative to it: clones share cache hits.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
# With -g (QEMU, numactl) ccache also hashes the working directory, which
# differs from clone to clone: leave it out, or a fresh clone misses every
# object (measured: QEMU took 592 s in a fresh clone with a hot cache;
# debug info then names the first clone's directory).
[ -n "${CCACHE_HASHDIR:-}" ] || export CCACHE_NOHASHDIR=true
BUILD=${XPV_BUILD:-$TOP/build}

die() { echo "$NAME: error: $*" >&2; exit 1; }
say() { echo "$NAME: $*"; }

# lab_lanes VAR: how many lab runs go side by side, from the environment
# variable VAR, by default one per host CPU, at most 2 (a lab run under
# single-threaded TCG keeps one CPU busy: tools/lab/README.md).
lab_lanes() {
	local n=${!1:-}
	[ -n "$n" ] || { n=$(nproc); [ "$n" -lt 2 ] || n=2; }
	[[ $n =~ ^[1-9]$ ]] || die "$1 must be 1 to 9, not '$n'"
	echo "$n"
}

# lab_lane_run PIDFILE CMD...: CMD in the background, its pid in PIDFILE
# while it runs; returns CMD's status.  The runner of the lanes traps INT,
# TERM and HUP with lab_lanes_stop, so that a SIGTERM to the runner alone
# ends every lab run it started, QEMU included, at once rather than at
# their own timeouts.  The runs stay in the runner's process group: a
# signal to the group (a Ctrl-C, a harness's kill) reaches them as well.
lab_lane_run() {
	local f=$1 pid rc=0
	shift
	"$@" &
	pid=$!
	echo "$pid" >"$f"
	wait "$pid" || rc=$?
	rm -f "$f"
	return "$rc"
}

# lab_tree PID: PID and its descendants, parents first.
lab_tree() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1"); do lab_tree "$p"; done
}

# lab_lanes_stop DIR: SIGTERM to the lab runs whose PIDFILEs (*.pid) are
# in DIR, and to all their descendants (gathered before any is signalled,
# so that none escapes to init first); says how many runs.
lab_lanes_stop() {
	local f k=0 pids
	for f in "$1"/*.pid; do
		[ -f "$f" ] || continue
		pids=$(lab_tree "$(cat "$f")")
		# shellcheck disable=SC2086 # a list of pids
		kill -TERM $pids 2>/dev/null && k=$((k + 1))
	done
	say "interrupted: stopped $k lab runs"
}

# need_xpv_headers HDR: the patched kernel's installed uapi headers are in
# HDR (ci/build-selftests.sh puts them there), with XPV's memory policies.
need_xpv_headers() {
	[ -f "$1/include/linux/mempolicy.h" ] ||
		die "no kernel uapi headers in ${1#"$TOP"/}: run 'make selftests' first"
	grep -q MPOL_F_PNODES "$1/include/linux/mempolicy.h" ||
		die "${1#"$TOP"/} are not an XPV kernel's headers (no MPOL_F_PNODES)"
}

# run_logged LOG PROGRESS-CMD CMD...
# Runs CMD with its output appended to LOG.  Every 30 s it prints the
# elapsed time and the output of PROGRESS-CMD (which may read LOG); on
# failure the tail of LOG.  Returns CMD's status.
run_logged() {
	local log=$1 progress=$2 start pid rc=0
	shift 2
	start=$(date +%s)
	"$@" >>"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 30); do
			sleep 1
			kill -0 "$pid" 2>/dev/null || break
		done
		kill -0 "$pid" 2>/dev/null &&
			say "$(($(date +%s) - start)) s, $(eval "$progress")"
	done
	wait "$pid" || rc=$?
	if [ $rc -ne 0 ]; then
		grep -E '(error|Error|ERROR)' "$log" | tail -n 20 >&2 || true
		echo "--- tail of $log" >&2
		tail -n 20 "$log" >&2
	else
		say "done in $(($(date +%s) - start)) s"
	fi
	return $rc
}
