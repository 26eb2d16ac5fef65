#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched kernel out of tree with ccache:
#   x86_64 defconfig + Kconfig.fragments/{common,host,lab}.config
#   (+ debug.config when XPV_DEBUG=1), merged with merge_config.sh.
# One bzImage serves as the lab's L1 host and L2 guest.
#
# Environment: XPV_DEBUG=1 selects the debug variant, XPV_PRISTINE=1 the
# unpatched kernel (Debian's tree without the series, same options; a
# baseline for benchmarks), KFRAGMENTS overrides the fragment list, JOBS
# the parallelism.  Prints the image path last.
set -euo pipefail

NAME=build-linux
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
SRC=$BUILD/src/linux
JOBS=${JOBS:-$(nproc)}
KFRAGMENTS=${KFRAGMENTS:-common host lab}
variant=lab
if [ "${XPV_DEBUG:-0}" = 1 ]; then
	variant=debug
	KFRAGMENTS="$KFRAGMENTS debug"
fi
[ "${XPV_PRISTINE:-0}" != 1 ] || variant=pristine
OBJ=$BUILD/obj/linux-$variant
LOG=$BUILD/logs/linux-$variant.log

"$TOP/ci/src.sh" prepare linux
mkdir -p "$OBJ" "$BUILD/logs"
if [ $variant = pristine ]; then
	# A copy of the tree the series applies to, kept while it is the same.
	base=$(git -C "$SRC" rev-parse xpv-pristine)
	PSRC=$BUILD/src/linux-pristine
	if [ "$(cat "$PSRC/.xpv-pristine" 2>/dev/null)" != "$base" ]; then
		say "unpacking the unpatched tree (${base:0:12}) into ${PSRC#"$TOP"/}"
		rm -rf "$PSRC"
		mkdir -p "$PSRC"
		git -C "$SRC" archive xpv-pristine | tar -x -C "$PSRC"
		echo "$base" >"$PSRC/.xpv-pristine"
	fi
	SRC=$PSRC
fi

export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_COMPILERCHECK=content
KMAKE=(make -C "$SRC" O="$OBJ" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS")

frags=()
for f in $KFRAGMENTS; do
	[ -f "$TOP/Kconfig.fragments/$f.config" ] || die "no fragment Kconfig.fragments/$f.config"
	frags+=("$TOP/Kconfig.fragments/$f.config")
done

# Reconfigure when a fragment or the tree changed.
treestamp=$SRC/.git/xpv-stamp
[ $variant != pristine ] || treestamp=$SRC/.xpv-pristine
cfgstamp=$(cat "${frags[@]}" "$treestamp" "$0" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OBJ/.xpv-config-stamp" 2>/dev/null)" != "$cfgstamp" ]; then
	say "configuring ($variant): defconfig + $KFRAGMENTS"
	"${KMAKE[@]}" -s defconfig >"$LOG" 2>&1 || { tail -n 30 "$LOG"; die "defconfig failed"; }
	(cd "$SRC" && KCONFIG_CONFIG="$OBJ/.config" scripts/kconfig/merge_config.sh \
		-m -O "$OBJ" "$OBJ/.config" "${frags[@]}") >>"$LOG" 2>&1 ||
		{ tail -n 30 "$LOG"; die "merge_config.sh failed"; }
	"${KMAKE[@]}" -s olddefconfig >>"$LOG" 2>&1 || { tail -n 30 "$LOG"; die "olddefconfig failed"; }
	# Every option a fragment asks for must survive olddefconfig: a
	# dependency that silently drops one would give a different kernel.
	bad=0
	for f in "${frags[@]}"; do
		while read -r line; do
			case $line in
			CONFIG_*=n) opt=${line%%=*}; want="unset" ;;
			CONFIG_*=*) opt=${line%%=*}; want=$line ;;
			"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want="unset" ;;
			*) continue ;;
			esac
			# The unpatched kernel has no XPV options.
			case $variant$opt in pristine*XPV*) continue ;; esac
			if [ "$want" = unset ]; then
				if grep -q "^$opt=" "$OBJ/.config"; then
					say "$(basename "$f"): $opt should be off, is $(grep "^$opt=" "$OBJ/.config")" >&2
					bad=1
				fi
			elif ! grep -qx "$want" "$OBJ/.config"; then
				say "$(basename "$f"): wanted $want, got $(grep "^$opt=" "$OBJ/.config" || echo "$opt unset")" >&2
				bad=1
			fi
		done <"$f"
	done
	[ $bad = 0 ] || die "the fragments do not apply to this kernel (see above)"
	echo "$cfgstamp" >"$OBJ/.xpv-config-stamp"
fi

say "building bzImage ($variant, -j$JOBS), log in ${LOG#"$TOP"/}"
run_logged "$LOG" 'echo "$(grep -c "^  CC" "$LOG") objects compiled"' "${KMAKE[@]}" bzImage ||
	die "kernel build failed, full log: $LOG"
say "${OBJ#"$TOP"/}/arch/x86/boot/bzImage"
