#!/bin/bash
# Install every build and runtime dependency of XPV with apt-get.
#
# Idempotent and fast when everything is present: dpkg-query decides
# whether apt-get has to run at all.  Also enables deb-src entries, which
# `apt-get source qemu` needs and which Debian images often lack.
set -euo pipefail

PKGS=(
	# kernel build
	build-essential bc bison flex libssl-dev libelf-dev cpio kmod xz-utils
	ccache rsync python3 git
	# pgrep: stopping the lab runs of an interrupted make test
	procps
	# Debian sources
	dpkg-dev linux-source-6.12
	# QEMU 7.2 build
	meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev zlib1g-dev
	libfdt-dev libslirp-dev libcap-ng-dev libattr1-dev libnuma-dev
	# lab: initramfs, firmware for the built QEMU, NUMA tools
	busybox-static seabios qemu-system-data numactl
	# lab: the Debian root L1 mounts (libvirt)
	debootstrap
	# static test programs run in L1/L2
	libc6-dev
	# fuzzing the guest's area parser: clang, libFuzzer, llvm-cov
	clang-14 libclang-rt-14-dev llvm-14
	# make bench: bench-numab's plot
	gnuplot-nox
	# numactl 2.0.16 build (autoreconf)
	autoconf automake libtool
	# jemalloc 5.3.0: Debian's unpatched build, which the patched one
	# must equal where XPV is not in play
	libjemalloc2
	# libvirt 9.0 build (ci/build-libvirt.sh: the QEMU driver, virsh)
	libxml2-dev libxml2-utils xsltproc libgnutls28-dev libtirpc-dev
	rpcsvc-proto libyajl-dev libreadline-dev perl
	# HotSpot 17 build (ci/build-openjdk.sh): the boot JDK and javac,
	# and what OpenJDK's configure checks even for libjvm.so alone
	openjdk-17-jdk-headless libcups2-dev libasound2-dev libfontconfig-dev
	libfreetype-dev libx11-dev libxext-dev libxrender-dev libxt-dev zip unzip file
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
for p in "${PKGS[@]}"; do
	case "$p" in \#*) continue ;; esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

have_debsrc() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
		/etc/apt/sources.list.d/ 2>/dev/null
}

need_update=0
if ! have_debsrc; then
	echo "deps: enabling deb-src entries (needed by 'apt-get source qemu')"
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed 's/^Types: deb$/Types: deb-src/' "$src" |
			$SUDO tee /etc/apt/sources.list.d/xpv-deb-src.sources >/dev/null
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
			$SUDO tee /etc/apt/sources.list.d/xpv-deb-src.list >/dev/null
	else
		echo "deps: error: no apt sources found to derive deb-src entries from" >&2
		exit 1
	fi
	need_update=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $need_update -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "deps: done"
