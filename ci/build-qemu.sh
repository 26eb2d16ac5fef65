#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched QEMU 7.2 x86_64-softmmu out of tree with ccache.  The
# same binary is the lab's L0 emulator (TCG) and runs L2 inside L1 (KVM).
set -euo pipefail

NAME=build-qemu
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
SRC=$BUILD/src/qemu
OBJ=$BUILD/obj/qemu
LOG=$BUILD/logs/qemu.log
JOBS=${JOBS:-$(nproc)}

CONFIGURE_ARGS=(
	--target-list=x86_64-softmmu --disable-docs --disable-werror
	--without-default-features --enable-kvm --enable-tcg --enable-numa
	--enable-slirp --enable-virtfs --enable-attr --enable-cap-ng
	# TCG plugins: the cost model's instruction counts (tools/insncount)
	--enable-plugins
)

"$TOP/ci/src.sh" prepare qemu
mkdir -p "$OBJ" "$BUILD/logs"
# configure runs cc: ccache's wrappers first in PATH make that ccache.
export PATH=/usr/lib/ccache:$PATH
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

cfgstamp=$(echo "${CONFIGURE_ARGS[*]}" | cat - "$0" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OBJ/.xpv-config-stamp" 2>/dev/null)" != "$cfgstamp" ] ||
	[ ! -f "$OBJ/build.ninja" ]; then
	say "configuring: ${CONFIGURE_ARGS[*]}"
	rm -rf "$OBJ"
	mkdir -p "$OBJ"
	: >"$LOG"
	(cd "$OBJ" && run_logged "$LOG" 'echo configuring' "$SRC/configure" "${CONFIGURE_ARGS[@]}") ||
		die "configure failed, full log: $LOG"
	echo "$cfgstamp" >"$OBJ/.xpv-config-stamp"
fi

say "building qemu-system-x86_64 (-j$JOBS), log in ${LOG#"$TOP"/}"
run_logged "$LOG" 'grep -o "^\[[0-9]*/[0-9]*\]" "$LOG" | tail -n1' \
	ninja -C "$OBJ" -j"$JOBS" qemu-system-x86_64 || die "QEMU build failed, full log: $LOG"
say "${OBJ#"$TOP"/}/qemu-system-x86_64"
