#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpvjdk.sh ROOT HOME DIR LIBJVM: in the root file system ROOT, the JDK
# directory DIR (a path in ROOT) as the JDK HOME of ROOT (Debian's), with
# LIBJVM (a path here, e.g. ci/build-openjdk.sh's) as lib/server/libjvm.so.
# Everything else is a link to HOME, but the launchers of bin/, which are
# copied: a launcher takes the JDK's home from where it is, and HotSpot
# from where libjvm.so is (-XXaltjvm does not do).  The links name HOME
# as seen from inside ROOT: run the JDK chrooted in ROOT.
#
# Used by the lab's Debian L2 (tools/lab/lib.sh, lab_xpvjdk) and by
# ci/check-openjdk.sh (jtreg in build/rootfs/debian).
set -eu
[ $# = 4 ] || { echo "usage: xpvjdk.sh ROOT HOME DIR LIBJVM" >&2; exit 2; }
R=$1 H=$2 J=$3 L=$4
[ -x "$R$H/bin/java" ] || { echo "xpvjdk.sh: no JDK in $R$H" >&2; exit 1; }
[ -f "$L" ] || { echo "xpvjdk.sh: no $L" >&2; exit 1; }
rm -rf "$R$J"
mkdir -p "$R$J/bin" "$R$J/lib/server"
for f in "$R$H"/* "$R$H"/lib/*; do
	f=${f#"$R$H"/}
	case $f in
	bin | lib | lib/server) ;;
	*) ln -s "$H/$f" "$R$J/$f" ;;
	esac
done
cp "$R$H"/bin/* "$R$J/bin/"
cp "$L" "$R$J/lib/server/libjvm.so"
