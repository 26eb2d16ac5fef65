#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream trees for XPV: fetch them from Debian's packages, apply the
# project's series, export it and check that the export applies.
#
#   ci/src.sh fetch   linux|qemu  unpack the Debian source into build/src/<c>,
#                                 a git repository whose tag xpv-pristine is
#                                 the untouched Debian tree
#   ci/src.sh prepare linux|qemu  fetch if needed; branch xpv = xpv-pristine
#                                 plus patches/<c>/series (overlay files from
#                                 linux-host/, linux-guest/ or qemu/)
#   ci/src.sh export  linux|qemu  git format-patch the series to build/series/<c>
#   ci/src.sh check   linux|qemu  git am the export onto the pristine files and
#                                 compare the result with branch xpv
#
# patches/<c>/series lists one patch per line, in order, followed by the new
# files that commit adds.  Those files live as real files under the overlay
# directories, at the path they have in the upstream tree.
set -euo pipefail

NAME=src
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ci/versions
. "$TOP/ci/versions"

[ $# -eq 2 ] || die "usage: $0 fetch|prepare|export|check linux|qemu"
cmd=$1
comp=$2
case $comp in
linux) OVERLAYS=(linux-host linux-guest) ;;
qemu) OVERLAYS=(qemu) ;;
*) die "unknown component '$comp' (linux or qemu)" ;;
esac
SRC=$BUILD/src/$comp
PATCHDIR=$TOP/patches/$comp

git_s() { git -C "$SRC" -c advice.detachedHead=false "$@"; }

check_version() { # name got want
	[ "$2" = "$3" ] && return 0
	if [ "${XPV_STRICT_VERSIONS:-0}" = 1 ]; then
		die "$1: Debian version $2 differs from the tested $3 (ci/versions)"
	fi
	echo "src: WARNING: $1: Debian version $2 differs from the tested $3" \
		"(ci/versions); the series is still checked against it" >&2
}

record_version() { # comp version
	mkdir -p "$BUILD"
	touch "$BUILD/versions.txt"
	grep -v "^$1 " "$BUILD/versions.txt" >"$BUILD/versions.txt.new" || true
	echo "$1 $2" >>"$BUILD/versions.txt.new"
	mv "$BUILD/versions.txt.new" "$BUILD/versions.txt"
}

unpack_linux() { # dest; writes dest.version
	local ver tarball=/usr/src/$LINUX_PKG.tar.xz
	ver=$(dpkg-query -W -f='${Version}' "$LINUX_PKG" 2>/dev/null) ||
		die "$LINUX_PKG is not installed: run 'make deps'"
	[ -f "$tarball" ] || die "$tarball missing: reinstall $LINUX_PKG"
	check_version "$LINUX_PKG" "$ver" "$LINUX_DEB_VERSION"
	echo "$ver" >"$1.version"
	if [ -f "$SRC/.git/xpv-debian-version" ] &&
		[ "$(cat "$SRC/.git/xpv-debian-version")" = "$ver" ]; then
		return 0
	fi
	say "unpacking $tarball ($ver)"
	mkdir -p "$1"
	tar -xf "$tarball" -C "$1" --strip-components=1
}

unpack_qemu() { # dest
	local dl=$BUILD/dl/qemu dsc ver
	mkdir -p "$dl"
	dsc=$(cd "$dl" && ls qemu_*.dsc 2>/dev/null | sort -V | tail -n1 || true)
	if [ -z "$dsc" ]; then
		say "apt-get source $QEMU_SRC_PKG=$QEMU_DEB_VERSION"
		if ! (cd "$dl" && apt-get source -qq --download-only \
			"$QEMU_SRC_PKG=$QEMU_DEB_VERSION" >/dev/null 2>&1); then
			echo "src: WARNING: $QEMU_SRC_PKG $QEMU_DEB_VERSION is no longer" \
				"in the archive; taking the current one" >&2
			(cd "$dl" && apt-get source -qq --download-only \
				"$QEMU_SRC_PKG" >/dev/null) ||
				die "apt-get source $QEMU_SRC_PKG failed (deb-src entries? run 'make deps')"
		fi
		dsc=$(cd "$dl" && ls qemu_*.dsc | sort -V | tail -n1)
	fi
	ver=$(sed -n 's/^Version: //p' "$dl/$dsc" | head -n1)
	check_version "$QEMU_SRC_PKG" "$ver" "$QEMU_DEB_VERSION"
	echo "$ver" >"$1.version"
	if [ -f "$SRC/.git/xpv-debian-version" ] &&
		[ "$(cat "$SRC/.git/xpv-debian-version")" = "$ver" ]; then
		return 0
	fi
	say "dpkg-source -x $dsc"
	dpkg-source -q -x "$dl/$dsc" "$1" >/dev/null
}

do_fetch() {
	local tmp=$SRC.tmp ver
	mkdir -p "$BUILD/src"
	rm -rf "$tmp" "$tmp.version"
	# unpacks into $tmp only when the tree is missing or outdated
	"unpack_$comp" "$tmp"
	if [ ! -d "$tmp" ]; then
		record_version "$comp" "$(cat "$tmp.version")"
		rm -f "$tmp.version"
		return 0
	fi
	ver=$(cat "$tmp.version")
	rm -f "$tmp.version"
	say "recording the pristine $comp tree in git"
	git -C "$tmp" init -q
	git -C "$tmp" config user.name "XPV build"
	git -C "$tmp" config user.email "xpv-build@localhost"
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" config core.untrackedCache true
	git -C "$tmp" add -A -f
	git -C "$tmp" commit -q -m "Debian $comp source $ver (pristine)"
	git -C "$tmp" tag xpv-pristine
	echo "$ver" >"$tmp/.git/xpv-debian-version"
	rm -rf "$SRC"
	mkdir -p "$(dirname "$SRC")"
	mv "$tmp" "$SRC"
	record_version "$comp" "$ver"
}

# The series file without comments and blank lines.
series_lines() {
	[ -f "$PATCHDIR/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHDIR/series"
}

# Overlay files under linux-host/ etc., relative to the overlay root.
overlay_files() {
	local d
	for d in "${OVERLAYS[@]}"; do
		[ -d "$TOP/$d" ] || continue
		(cd "$TOP/$d" && find . -type f ! -path ./README.md | sed 's|^\./||' |
			sed "s|^|$d |")
	done
}

find_overlay() { # path -> overlay dir holding it
	local d found=
	for d in "${OVERLAYS[@]}"; do
		if [ -f "$TOP/$d/$1" ]; then
			[ -z "$found" ] || die "$1 exists in both $found/ and $d/"
			found=$d
		fi
	done
	[ -n "$found" ] || die "patches/$comp/series names $1, which is in none of ${OVERLAYS[*]}"
	echo "$found"
}

stamp() {
	{
		cat "$0" "$TOP/ci/versions"
		series_lines
		series_lines | while read -r p _; do cat "$PATCHDIR/$p" 2>/dev/null || true; done
		overlay_files | while read -r d f; do echo "$d/$f"; cat "$TOP/$d/$f"; done
	} | sha256sum | cut -d' ' -f1
}

apply_one() { # patch file...
	local p=$1 f d tmp subject author email date
	shift
	[ -f "$PATCHDIR/$p" ] || die "patches/$comp/series names $p, which does not exist"
	tmp=$(mktemp -d)
	for f in "$@"; do
		d=$(find_overlay "$f")
		mkdir -p "$SRC/$(dirname "$f")"
		cp "$TOP/$d/$f" "$SRC/$f"
		git_s add -f -- "$f"
	done
	git mailinfo "$tmp/msg" "$tmp/diff" <"$PATCHDIR/$p" >"$tmp/info"
	if [ -s "$tmp/diff" ] &&
		! git_s apply --index --whitespace=nowarn "$tmp/diff" 2>"$tmp/err"; then
		cat "$tmp/err" >&2
		die "patches/$comp/$p does not apply to Debian $comp $(cat "$SRC/.git/xpv-debian-version")"
	fi
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	author=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	date=$(sed -n 's/^Date: //p' "$tmp/info")
	[ -n "$subject" ] && [ -n "$author" ] && [ -n "$email" ] && [ -n "$date" ] ||
		die "patches/$comp/$p: needs From:, Date: and Subject: headers (git format-patch)"
	{ echo "$subject"; echo; cat "$tmp/msg"; } >"$tmp/commit"
	GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
		GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email \
		GIT_COMMITTER_DATE=$date git_s commit -q --allow-empty -F "$tmp/commit"
	rm -rf "$tmp"
	say "  applied $p"
}

do_prepare() {
	local s claimed unclaimed
	do_fetch
	s=$(stamp)
	if [ "$(cat "$SRC/.git/xpv-stamp" 2>/dev/null)" = "$s" ] &&
		git_s rev-parse -q --verify xpv >/dev/null; then
		say "$comp tree up to date ($(git_s rev-list --count xpv-pristine..xpv) patches)"
		return 0
	fi
	say "applying patches/$comp/series to the pristine $comp tree"
	rm -f "$SRC/.git/xpv-stamp"
	git_s checkout -q -f -B xpv xpv-pristine
	git_s clean -fdxq
	series_lines | while read -r p files; do
		# shellcheck disable=SC2086
		apply_one "$p" $files
	done
	claimed=$(series_lines | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort)
	unclaimed=$(overlay_files | awk '{ print $2 }' | sort | comm -23 - <(echo "$claimed"))
	[ -z "$unclaimed" ] ||
		die "overlay files no patch in patches/$comp/series adds: $unclaimed"
	echo "$s" >"$SRC/.git/xpv-stamp"
	say "$comp tree ready ($(git_s rev-list --count xpv-pristine..xpv) patches)"
}

do_export() {
	local out=$BUILD/series/$comp n
	do_prepare
	rm -rf "$out"
	mkdir -p "$out"
	git_s format-patch -q --zero-commit -o "$out" xpv-pristine..xpv >/dev/null
	echo "Debian $comp source $(cat "$SRC/.git/xpv-debian-version")" >"$out/BASE"
	n=$(find "$out" -name '*.patch' | wc -l)
	say "exported $n $comp patches to ${out#"$TOP"/}"
}

do_check() {
	local out=$BUILD/series/$comp chk=$BUILD/check/$comp files old f n
	[ -f "$out/BASE" ] || die "no exported series in $out: run 'make series'"
	n=$(find "$out" -name '*.patch' | wc -l)
	rm -rf "$chk"
	mkdir -p "$chk"
	git -C "$chk" init -q
	git -C "$chk" config user.name "XPV check"
	git -C "$chk" config user.email "xpv-check@localhost"
	mapfile -t files < <(git_s diff --name-only xpv-pristine xpv)
	old=()
	if [ ${#files[@]} -gt 0 ]; then
		mapfile -t old < <(git_s ls-tree -r --name-only xpv-pristine -- "${files[@]}")
	fi
	if [ ${#old[@]} -gt 0 ]; then
		git_s archive xpv-pristine -- "${old[@]}" | tar -x -C "$chk"
	fi
	git -C "$chk" add -A -f
	git -C "$chk" commit -q --allow-empty -m pristine
	if [ "$n" -gt 0 ] && ! git -C "$chk" am -q "$out"/*.patch; then
		git -C "$chk" am --abort >/dev/null 2>&1 || true
		die "the exported $comp series does not apply with 'git am' to the pristine Debian tree"
	fi
	for f in "${files[@]}"; do
		if git_s cat-file -e "xpv:$f" 2>/dev/null; then
			git_s show "xpv:$f" | cmp -s - "$chk/$f" ||
				die "$f differs between 'git am' of the export and branch xpv"
		elif [ -e "$chk/$f" ]; then
			die "$f should have been deleted by the $comp series"
		fi
	done
	say "$comp: $n exported patches apply with git am to pristine $(cat "$out/BASE" | cut -d' ' -f2-) and reproduce the tree"
}

case $cmd in
fetch) do_fetch ;;
prepare) do_prepare ;;
export) do_export ;;
check) do_check ;;
*) die "unknown command '$cmd'" ;;
esac
