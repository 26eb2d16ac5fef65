#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Debian's numactl with patches/numactl (libnuma on pnodes), out of
# tree in build/obj/numactl, against the patched kernel's uapi headers
# (MPOL_F_PNODES comes from linux/mempolicy.h, its one definition):
#   - libnuma.so.1 and numactl, migratepages, numastat, for Debian's
#     userland (installed into build/obj/numactl/install);
#   - static numactl and migratepages for the lab's L2, whose root is a
#     busybox initramfs (build/obj/numactl/static);
#   - xpv-numafollow (tools/numafollow), a libnuma program for the lab,
#     static and dynamic (build/tools/).
#   - numactl's own test suite for the lab's XPV L2, static, laid out as
#     its builddir (build/obj/numactl/suite).
# With CHECK=1 it then runs numactl's own test suite (make check) on
# this machine.
set -euo pipefail

NAME=build-numactl
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
SRC=$BUILD/src/numactl
HDR=$BUILD/obj/linux-hdr
OBJ=$BUILD/obj/numactl
LOG=$BUILD/logs/numactl.log
JOBS=${JOBS:-$(nproc)}

need_xpv_headers "$HDR"
"$TOP/ci/src.sh" prepare numactl
mkdir -p "$BUILD/logs"
: >"$LOG"

# autoreconf writes into its tree: build from a copy of the source.
# rsync --checksum, without -t, leaves files whose content did not change
# alone (their times too), and gives changed ones the time of now, so a
# fresh checkout of the same text triggers no automake rebuild rule (a
# config.status --recheck would see LDFLAGS=-all-static and fail):
# configure runs again only when its inputs' content changes (the stamp).
mkdir -p "$OBJ/src"
rsync -rl --checksum --delete --exclude=.git --exclude=autom4te.cache \
	--exclude=configure --exclude='Makefile.in' --exclude=aclocal.m4 \
	--exclude=build-aux --exclude=config.h.in --exclude='m4/l*.m4' \
	"$SRC/" "$OBJ/src/"
# configure: again when configure.ac, Makefile.am or the flags change.
stamp="$(cat "$SRC/configure.ac" "$SRC/Makefile.am" | sha256sum) $HDR"
if [ "$(cat "$OBJ/.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$OBJ/shared" "$OBJ/static"
	mkdir -p "$OBJ/shared" "$OBJ/static"
	say "autoreconf"
	(cd "$OBJ/src" && autoreconf -fi) >>"$LOG" 2>&1 ||
		{ tail -n 20 "$LOG"; die "autoreconf failed, full log: $LOG"; }
	for v in shared static; do
		say "configure ($v)"
		extra=(--enable-shared --disable-static)
		[ $v = shared ] || extra=(--disable-shared --enable-static)
		(cd "$OBJ/$v" && "$OBJ/src/configure" --prefix=/usr "${extra[@]}" \
			CC="ccache gcc" CPPFLAGS="-isystem $HDR/include" CFLAGS="-O2 -g") \
			>>"$LOG" 2>&1 ||
			{ tail -n 20 "$LOG"; die "configure ($v) failed, full log: $LOG"; }
	done
	echo "$stamp" >"$OBJ/.stamp"
fi

say "building"
run_logged "$LOG" 'echo building' make -C "$OBJ/shared" -j"$JOBS" ||
	die "numactl build failed, full log: $LOG"
run_logged "$LOG" 'echo building' make -C "$OBJ/shared" -j"$JOBS" \
	DESTDIR="$OBJ/install" install ||
	die "numactl install failed, full log: $LOG"
# The lab's L2 has no shared libraries: fully static programs.
run_logged "$LOG" 'echo building' make -C "$OBJ/static" -j"$JOBS" \
	LDFLAGS=-all-static numactl migratepages numastat numademo memhog \
	test/move_pages test/pagesize test/distance test/nodemap test/tbitmap ||
	die "static numactl build failed, full log: $LOG"
# numactl's own test suite (make check's TESTS) for the lab's XPV L2
# (scenario guest-numactl-suite), laid out as the builddir the tests
# expect, of static programs.
suite=$OBJ/suite
rm -rf "$suite"
mkdir -p "$suite/test"
for p in numactl migratepages numastat numademo memhog; do
	install -m 755 "$OBJ/static/$p" "$suite/"
done
for p in move_pages pagesize distance nodemap tbitmap; do
	install -m 755 "$OBJ/static/test/$p" "$suite/test/"
done
for p in bind_range checkaffinity checktopology numademo printcpu regress xpvnodes; do
	install -m 755 "$OBJ/src/test/$p" "$suite/test/"
done
# Debian's numactl, the unpatched build of this source, for the lab to
# compare with (NUMA_XPV=0 must print what it prints).
want=$(sed -n 's/^Version: //p' "$BUILD/dl/numactl/"numactl_*.dsc | head -n1)
have=$(dpkg-query -W -f='${Version}' numactl 2>/dev/null) ||
	die "Debian's numactl is not installed: run 'make deps'"
[ "$have" = "$want" ] ||
	say "WARNING: Debian's numactl is $have, the source is $want: the lab compares with $have"
install -D -m 755 /usr/bin/numactl "$OBJ/debian/numactl"

# The lab's libnuma program (tools/numafollow), static and dynamic.
run_logged "$LOG" 'echo building' make -C "$TOP/tools" O="$BUILD/tools" \
	NUMACTL="$OBJ" CC="ccache gcc" numa ||
	die "tools/numafollow build failed, full log: $LOG"
say "built: ${OBJ#"$TOP"/}/install/usr/lib/libnuma.so.1, static ${OBJ#"$TOP"/}/static/numactl"

if [ "${CHECK:-0}" = 1 ]; then
	say "make check (numactl's test suite, on this machine)"
	rc=0
	run_logged "$LOG" 'echo testing' make -C "$OBJ/shared" -j"$JOBS" check || rc=$?
	# one TAP line per test; a skip says why (exit status 77: the test
	# wants more than one NUMA node, which this machine does not have)
	nodes=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' | wc -l)
	for trs in "$OBJ"/shared/test/*.trs; do
		t=test/$(basename "$trs" .trs)
		case $(sed -n 's/^:test-result: //p' "$trs") in
		PASS) echo "ok - numactl make check: $t" ;;
		SKIP)
			case $t in
			test/numademo) where="lab scenario guest-numactl runs it on pnodes (2 MiB of memset)" ;;
			*) where="lab scenario guest-numactl-suite runs it on pnodes" ;;
			esac
			echo "ok - numactl make check: $t # SKIP it needs 2 NUMA nodes, this machine has $nodes; $where" ;;
		*) echo "not ok - numactl make check: $t # $(tail -n 3 "${trs%.trs}.log" | tr '\n' ' ')" ;;
		esac
	done
	[ $rc -eq 0 ] || die "numactl's make check failed: ${OBJ#"$TOP"/}/shared/test-suite.log"
fi
