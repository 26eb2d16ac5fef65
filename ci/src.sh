#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream trees for XPV: fetch them from Debian's packages, apply the
# project's series, export it and check that the export applies.
#
# COMPONENT is linux, qemu, numactl, jemalloc, libvirt or openjdk.
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
#   ci/src.sh import  linux|qemu  the reverse of prepare, for developers: turn
#                                 the commits of branch xpv in build/src/<c>
#                                 back into patches/<c>/ and overlay files
#                                 (new files go to $XPV_OVERLAY, default the
#                                 first overlay, unless one holds them already)
#
# patches/<c>/series lists one patch per line, in order, followed by the new
# files that commit adds.  Those files live as real files under the overlay
# directories, at the path they have in the upstream tree, as they are at
# the tip of the series (what is built is what a reader reads): when a
# later patch changes such a file, the commit that adds it gets the
# overlay file with the later patches' hunks reversed.
set -euo pipefail

NAME=src
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ci/versions
. "$TOP/ci/versions"

[ $# -eq 2 ] || die "usage: $0 fetch|prepare|export|check|import linux|qemu|numactl|jemalloc|libvirt|openjdk"
cmd=$1
comp=$2
case $comp in
linux) OVERLAYS=(linux-host linux-guest) ;;
qemu) OVERLAYS=(qemu) ;;
numactl) OVERLAYS=(numactl) ;;
jemalloc) OVERLAYS=(jemalloc) ;;
libvirt) OVERLAYS=(libvirt) ;;
openjdk) OVERLAYS=(openjdk) ;;
*) die "unknown component '$comp' (linux, qemu, numactl, jemalloc, libvirt or openjdk)" ;;
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

# <comp>_version prints the Debian version of the source at hand,
# fetching what it needs; unpack_<comp> DEST unpacks it into DEST.
linux_version() {
	dpkg-query -W -f='${Version}' "$LINUX_PKG" 2>/dev/null ||
		die "$LINUX_PKG is not installed: run 'make deps'"
	[ -f "/usr/src/$LINUX_PKG.tar.xz" ] ||
		die "/usr/src/$LINUX_PKG.tar.xz missing: reinstall $LINUX_PKG"
}

unpack_linux() { # dest
	say "unpacking /usr/src/$LINUX_PKG.tar.xz"
	mkdir -p "$1"
	tar -xf "/usr/src/$LINUX_PKG.tar.xz" -C "$1" --strip-components=1
}

# Components from Debian source packages (apt-get source): their
# package, version and download directory.
DL=$BUILD/dl/$comp
case $comp in
qemu) SRC_PKG=$QEMU_SRC_PKG SRC_DEB_VERSION=$QEMU_DEB_VERSION ;;
numactl) SRC_PKG=$NUMACTL_SRC_PKG SRC_DEB_VERSION=$NUMACTL_DEB_VERSION ;;
jemalloc) SRC_PKG=$JEMALLOC_SRC_PKG SRC_DEB_VERSION=$JEMALLOC_DEB_VERSION ;;
libvirt) SRC_PKG=$LIBVIRT_SRC_PKG SRC_DEB_VERSION=$LIBVIRT_DEB_VERSION ;;
openjdk) SRC_PKG=$OPENJDK_SRC_PKG SRC_DEB_VERSION=$OPENJDK_DEB_VERSION ;;
esac

dl_dsc() {
	find "$DL" -maxdepth 1 -name "${SRC_PKG}_*.dsc" -printf '%f\n' 2>/dev/null |
		sort -V | tail -n1
}

dl_version() {
	mkdir -p "$DL"
	if [ -z "$(dl_dsc)" ]; then
		say "apt-get source $SRC_PKG=$SRC_DEB_VERSION" >&2
		if ! (cd "$DL" && apt-get source -qq --download-only \
			"$SRC_PKG=$SRC_DEB_VERSION" >/dev/null 2>&1); then
			echo "src: WARNING: $SRC_PKG $SRC_DEB_VERSION is no longer" \
				"in the archive; taking the current one" >&2
			(cd "$DL" && apt-get source -qq --download-only \
				"$SRC_PKG" >/dev/null) ||
				die "apt-get source $SRC_PKG failed (deb-src entries? run 'make deps')"
		fi
	fi
	sed -n 's/^Version: //p' "$DL/$(dl_dsc)" | head -n1
}

unpack_dl() { # dest
	say "dpkg-source -x $(dl_dsc)"
	dpkg-source -q -x "$DL/$(dl_dsc)" "$1" >/dev/null
}

do_fetch() {
	local tmp=$SRC.tmp ver want
	if [ "$comp" = linux ]; then
		ver=$(linux_version)
		want=$LINUX_DEB_VERSION
	else
		ver=$(dl_version)
		want=$SRC_DEB_VERSION
	fi
	[ -n "$ver" ] || die "cannot tell the Debian version of the $comp source"
	check_version "$comp" "$ver" "$want"
	record_version "$comp" "$ver"
	if [ "$(cat "$SRC/.git/xpv-debian-version" 2>/dev/null)" = "$ver" ]; then
		return 0
	fi
	mkdir -p "$BUILD/src"
	rm -rf "$tmp"
	if [ "$comp" = linux ]; then
		unpack_linux "$tmp"
	else
		unpack_dl "$tmp"
	fi
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

# split_series DIR: each patch of the series as DIR/<i>.{msg,diff,info}
# (git mailinfo), i from 1, its name in DIR/<i>.name, their number in
# DIR/count.
split_series() { # dir
	local i=0 p _
	while read -r p _; do
		i=$((i + 1))
		[ -f "$PATCHDIR/$p" ] || die "patches/$comp/series names $p, which does not exist"
		echo "$p" >"$1/$i.name"
		git mailinfo "$1/$i.msg" "$1/$i.diff" <"$PATCHDIR/$p" >"$1/$i.info"
	done < <(series_lines)
	echo "$i" >"$1/count"
}

# as_added DIR I FILE: the blob of overlay FILE as patch I adds it: the
# overlay (the tip) with the hunks of patches I+1.. for FILE reversed,
# last first.
as_added() { # dir i file
	local dir=$1 i=$2 f=$3 d j n work
	d=$(find_overlay "$f")
	n=$(cat "$dir/count")
	work=$(mktemp -d)
	mkdir -p "$work/$(dirname "$f")"
	cp "$TOP/$d/$f" "$work/$f"
	for ((j = n; j > i; j--)); do
		grep -qxF "diff --git a/$f b/$f" "$dir/$j.diff" || continue
		(cd "$work" && git apply -R --include="$f" --whitespace=nowarn "$dir/$j.diff") 2>"$work.err" ||
			{ cat "$work.err" >&2; rm -rf "$work" "$work.err"; die "$(cat "$dir/$j.name")'s hunks for $f do not reverse-apply to $d/$f (the overlay holds $f as the tip of the series has it)"; }
	done
	git_s hash-object -w "$work/$f"
	rm -rf "$work" "$work.err"
}

# Commit series entry I (split by split_series into DIR) on top of
# $parent, in the scratch index $GIT_INDEX_FILE: the working tree is not
# touched until the whole series is built, so files the series does not
# change keep their timestamps and the kernel and QEMU builds stay
# incremental.
apply_one() { # dir i file...
	local dir=$1 i=$2 p f d tmp subject author email date mode blob
	shift 2
	p=$(cat "$dir/$i.name")
	tmp=$(mktemp -d)
	for f in "$@"; do
		d=$(find_overlay "$f")
		mode=100644
		[ ! -x "$TOP/$d/$f" ] || mode=100755
		blob=$(as_added "$dir" "$i" "$f") || exit 1
		git_s update-index --add --cacheinfo "$mode,$blob,$f"
	done
	if [ -s "$dir/$i.diff" ] &&
		! git_s apply --cached --whitespace=nowarn "$dir/$i.diff" 2>"$tmp/err"; then
		cat "$tmp/err" >&2
		die "patches/$comp/$p does not apply to Debian $comp $(cat "$SRC/.git/xpv-debian-version")"
	fi
	subject=$(sed -n 's/^Subject: //p' "$dir/$i.info")
	author=$(sed -n 's/^Author: //p' "$dir/$i.info")
	email=$(sed -n 's/^Email: //p' "$dir/$i.info")
	date=$(sed -n 's/^Date: //p' "$dir/$i.info")
	[ -n "$subject" ] && [ -n "$author" ] && [ -n "$email" ] && [ -n "$date" ] ||
		die "patches/$comp/$p: needs From:, Date: and Subject: headers (git format-patch)"
	{ echo "$subject"; echo; cat "$dir/$i.msg"; } >"$tmp/commit"
	parent=$(GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
		GIT_COMMITTER_NAME=$author GIT_COMMITTER_EMAIL=$email \
		GIT_COMMITTER_DATE=$date git_s commit-tree "$(git_s write-tree)" \
		-p "$parent" -F "$tmp/commit")
	rm -rf "$tmp"
	say "  applied $p"
}

do_prepare() {
	local s claimed unclaimed parent p files head split i=0
	do_fetch
	s=$(stamp)
	head=$(git_s rev-parse -q --verify xpv || true)
	if [ "$(cat "$SRC/.git/xpv-stamp" 2>/dev/null)" = "$s" ] && [ -n "$head" ]; then
		say "$comp tree up to date ($(git_s rev-list --count xpv-pristine..xpv) patches)"
		return 0
	fi
	# Never throw away a developer's work in the tree.
	if [ -n "$head" ] && [ -n "$(git_s status --porcelain --untracked-files=no)" ]; then
		die "uncommitted changes in ${SRC#"$TOP"/}: commit them and run 'ci/src.sh import $comp', or discard them"
	fi
	if [ -n "$head" ] && [ -f "$SRC/.git/xpv-head" ] &&
		[ "$head" != "$(cat "$SRC/.git/xpv-head")" ]; then
		die "branch xpv in ${SRC#"$TOP"/} has commits patches/$comp does not: run 'ci/src.sh import $comp' first (or 'git -C ${SRC#"$TOP"/} reset --hard $(cat "$SRC/.git/xpv-head")')"
	fi
	say "applying patches/$comp/series to the pristine $comp tree"
	rm -f "$SRC/.git/xpv-stamp"
	export GIT_INDEX_FILE=$SRC/.git/xpv-index
	git_s read-tree xpv-pristine
	parent=$(git_s rev-parse xpv-pristine)
	split=$(mktemp -d)
	split_series "$split"
	while read -r p files; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		apply_one "$split" $i $files
	done < <(series_lines)
	rm -rf "$split"
	unset GIT_INDEX_FILE
	rm -f "$SRC/.git/xpv-index"
	claimed=$(series_lines | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort)
	unclaimed=$(overlay_files | awk '{ print $2 }' | sort | comm -23 - <(echo "$claimed"))
	[ -z "$unclaimed" ] ||
		die "overlay files no patch in patches/$comp/series adds: $unclaimed"
	git_s checkout -q -f -B xpv "$parent"
	git_s clean -fdxq
	echo "$parent" >"$SRC/.git/xpv-head"
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
	# What a reader of the overlay reads is what runs: each overlay file
	# is the file at the tip of the series.
	while read -r d f; do
		git_s show "xpv:$f" 2>/dev/null | cmp -s - "$TOP/$d/$f" ||
			die "$d/$f differs from $f at the tip of the $comp series (branch xpv)"
	done < <(overlay_files)
	say "$comp: $n exported patches apply with git am to pristine $(cat "$out/BASE" | cut -d' ' -f2-) and reproduce the tree; the overlay files are the tip's"
}

# A patch file name as git format-patch makes it: NNNN-subject-words.patch
patch_name() { # n subject
	printf '%04d-%s.patch' "$1" "$(echo "$2" | sed -e 's/[^A-Za-z0-9._]\+/-/g' \
		-e 's/^-*//' -e 's/-*$//' | cut -c1-52 | sed 's/-*$//')"
}

do_import() {
	local c n=0 name added modified f d tmp
	git_s rev-parse -q --verify xpv >/dev/null || die "no branch xpv in $SRC"
	tmp=$(mktemp -d)
	: >"$tmp/series"
	for c in $(git_s rev-list --reverse xpv-pristine..xpv); do
		n=$((n + 1))
		name=$(patch_name $n "$(git_s log -1 --format=%s "$c")")
		mapfile -t added < <(git_s diff --name-only --diff-filter=A "$c^" "$c")
		mapfile -t modified < <(git_s diff --name-only --diff-filter=a "$c^" "$c")
		{
			echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
			git_s log -1 --format='From: %an <%ae>%nDate: %aD%nSubject: [PATCH] %s%n%n%b' "$c" |
				sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
			echo "---"
			if [ ${#modified[@]} -gt 0 ]; then
				git_s diff --stat=72 "$c^" "$c" -- "${modified[@]}"
				echo
				git_s diff --full-index "$c^" "$c" -- "${modified[@]}"
			fi
			echo "-- "
			echo "2.39.5"
		} >"$tmp/$name"
		for f in "${added[@]}"; do
			d=
			for o in "${OVERLAYS[@]}"; do [ -f "$TOP/$o/$f" ] && d=$o; done
			d=${d:-${XPV_OVERLAY:-${OVERLAYS[0]}}}
			mkdir -p "$TOP/$d/$(dirname "$f")"
			# the overlay holds the file as the tip has it
			git_s show "xpv:$f" >"$TOP/$d/$f" 2>/dev/null ||
				git_s show "$c:$f" >"$TOP/$d/$f"
		done
		echo "$name ${added[*]}" | sed 's/ *$//' >>"$tmp/series"
	done
	sed -n '/^#/p' "$PATCHDIR/series" >"$tmp/series.new" 2>/dev/null || true
	cat "$tmp/series" >>"$tmp/series.new"
	rm -f "$PATCHDIR"/*.patch
	cp "$tmp"/*.patch "$PATCHDIR/" 2>/dev/null || true
	mv "$tmp/series.new" "$PATCHDIR/series"
	rm -rf "$tmp"
	# the tree now matches patches/: prepare may rebuild it from them
	git_s rev-parse xpv >"$SRC/.git/xpv-head"
	say "imported $n commits into patches/$comp/ (new files into ${OVERLAYS[*]})"
}

case $cmd in
import) do_import ;;
fetch) do_fetch ;;
prepare) do_prepare ;;
export) do_export ;;
check) do_check ;;
*) die "unknown command '$cmd'" ;;
esac
