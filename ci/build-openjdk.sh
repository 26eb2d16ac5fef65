#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build HotSpot (libjvm.so, nothing else of the JDK) from Debian's
# openjdk-17 source with patches/openjdk, in build/obj/openjdk, for the
# lab's Debian L2, which runs it with Debian's own launcher and class
# library of the same version: a JDK directory of links to Debian's with
# this libjvm.so in lib/server (-XXaltjvm does not do: HotSpot takes the
# JDK's home from where libjvm.so is; README, "Runtimes: HotSpot").
#
# Trimmed to what the lab needs: the server variant without C2, JVMCI,
# JFR, CDS, Shenandoah, ZGC, Epsilon and DTrace; Serial, Parallel and G1
# stay, with C1, JVMTI, the management services and NMT.  With ccache,
# and without precompiled headers, which ccache cannot reuse.  Debian's
# openjdk-17-jdk-headless of this machine is the boot JDK.
#
# Output, staged for the lab in build/obj/openjdk/lab:
#   jvm/libjvm.so         the patched HotSpot
#   jvm/xpvjdk.sh         lays out a JDK with it (tools/java)
#   XpvAlloc.class ...    the lab's Java program (tools/java)
set -euo pipefail

NAME=build-openjdk
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ci/versions
. "$TOP/ci/versions"
SRC=$BUILD/src/openjdk
OBJ=$BUILD/obj/openjdk
LOG=$BUILD/logs/openjdk.log
JOBS=${JOBS:-$(nproc)}
BOOT_JDK=${BOOT_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

# Debian's version fields (debian/rules), so that the VM names the build
# it replaces: 17.0.19+10-1~deb12u2 is build 10, option 1-deb12u2-Debian,
# and "-xpv" says it is not Debian's binary.
upstream=${OPENJDK_DEB_VERSION%%-*}	# 17.0.19+10
debrel=${OPENJDK_DEB_VERSION#*-}	# 1~deb12u2
CONFIGURE_ARGS=(
	--with-boot-jdk="$BOOT_JDK"
	--with-debug-level=release --with-native-debug-symbols=none
	--enable-headless-only --with-zlib=system --with-stdc++lib=dynamic
	--with-pcsclite=bundled
	--with-version-pre= --with-version-build="${upstream#*+}"
	--with-version-opt="${debrel//\~/-}-Debian-xpv"
	--with-vendor-name=Debian
	--with-jvm-variants=server
	--disable-jvm-feature-compiler2 --disable-jvm-feature-jvmci
	--disable-jvm-feature-jfr --disable-jvm-feature-cds
	--disable-jvm-feature-shenandoahgc --disable-jvm-feature-zgc
	--disable-jvm-feature-epsilongc --disable-jvm-feature-dtrace
	--disable-precompiled-headers --enable-ccache
	--disable-warnings-as-errors --without-jtreg
	--with-num-cores="$JOBS"
)

[ -x "$BOOT_JDK/bin/javac" ] ||
	die "no boot JDK in $BOOT_JDK (openjdk-17-jdk-headless): run 'make deps'"
"$TOP/ci/src.sh" prepare openjdk
mkdir -p "$BUILD/logs" "$OBJ/conf"
: >"$LOG"

# configure: again when its inputs or the arguments change.
stamp="$(cat "$SRC/make/autoconf/"*.m4 "$SRC/make/autoconf/configure.ac" | sha256sum) ${CONFIGURE_ARGS[*]}"
if [ "$(cat "$OBJ/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$OBJ/conf/spec.gmk" ]; then
	say "configure (server VM without C2, JFR, CDS, JVMCI), log in ${LOG#"$TOP"/}"
	run_logged "$LOG" 'echo configuring' \
		sh -c "cd '$OBJ/conf' && bash '$SRC/configure' $(printf "'%s' " "${CONFIGURE_ARGS[@]}")" ||
		die "configure failed, full log: $LOG"
	echo "$stamp" >"$OBJ/.stamp"
fi
# --enable-ccache sets CCACHE_BASEDIR to the source tree, so that the
# output tree's paths (generated headers) stay absolute in what ccache
# hashes, and a fresh clone of this project (another build/) misses
# every object.  The project's root is the base (ci/lib.sh), as for the
# other builds: both trees are under it.
sed -i "s|CCACHE_BASEDIR=[^ ]*|CCACHE_BASEDIR=$TOP|" "$OBJ/conf/spec.gmk"

say "building libjvm.so (-j$JOBS), log in ${LOG#"$TOP"/}"
run_logged "$LOG" "echo \$(find '$OBJ/conf/hotspot' -name '*.o' | wc -l) of about 710 objects" \
	make -C "$OBJ/conf" JOBS="$JOBS" LOG=warn hotspot ||
	die "HotSpot build failed, full log: $LOG"
lib=$(find "$OBJ/conf" -path '*/support/modules_libs/java.base/server/libjvm.so' | head -n1)
[ -n "$lib" ] || die "no libjvm.so after the build (see $LOG)"
install -D -m 755 "$lib" "$OBJ/lab/jvm/libjvm.so"
install -m 755 "$TOP/tools/java/xpvjdk.sh" "$OBJ/lab/jvm/xpvjdk.sh"
# The lab's Java program, for the class library of Debian's Java 17.
"$BOOT_JDK/bin/javac" --release 17 -d "$OBJ/lab" "$TOP/tools/java/XpvAlloc.java" >>"$LOG" 2>&1 ||
	die "javac tools/java/XpvAlloc.java failed (see $LOG)"
say "built: ${OBJ#"$TOP"/}/lab/jvm/libjvm.so"
