#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab's Debian root filesystem: Debian 12 (minbase) with libvirt 9.0's
# daemon and clients, numactl and the workloads the evaluation runs, in
# build/rootfs/debian.  The lab shares it read-only into L1 (virtio-9p)
# for scenarios that need a real userspace there, e.g. libvirtd, and L1
# shares it on into L2 for scenarios that run Debian's programs in the
# XPV guest (tools/lab/README.md), kexec-tools among them (guest-reboot).
#
# Rebuilt only when the package list or this script changes; about 40 s
# and 450 MB from a Debian mirror (2026-12-06).
set -euo pipefail

NAME=rootfs
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ci/versions
. "$TOP/ci/versions"

SUITE=bookworm
PKGS=(
	# libvirt without systemd: the -sysv package keeps apt from pulling
	# systemd in; libvirtd and virtlogd are started by hand in L1.
	libvirt-daemon-system libvirt-daemon-system-sysv libvirt-clients
	numactl
	# The workloads of a Debian L2: stress-ng (its vm and stream
	# stressors), perf 6.1 for the xpv and kvm tracepoints, the OpenMP
	# and Fortran runtimes NPB-OMP programs link, and GNU time.
	stress-ng linux-perf libgomp1 libgfortran5 time
	# kexec into the next kernel from an XPV L2 (guest-reboot)
	kexec-tools
	# HotSpot's class library and launcher, for the patched libjvm.so
	# (ci/build-openjdk.sh): the version of its source, see below; and
	# jtreg, for HotSpot's own tests of what the series touches, which
	# ci/check-openjdk.sh runs in this root on the build machine
	openjdk-17-jre-headless openjdk-17-jdk-headless jtreg7
)
DEST=$BUILD/rootfs/debian
LOG=$BUILD/logs/rootfs.log
# The lab runs the patched libjvm.so with this root's class library: the
# same version as the source it is built from (ci/versions), or, once the
# archive has moved on, the current one, as ci/src.sh then takes.
JDK_PIN="openjdk-17-jre-headless=$OPENJDK_DEB_VERSION openjdk-17-jdk-headless=$OPENJDK_DEB_VERSION"
stamp=$(echo "$SUITE ${PKGS[*]} $JDK_PIN $(sha256sum "$0" | cut -c1-16)" | sha256sum | cut -c1-16)

if [ -f "$DEST/.xpv-stamp" ] && [ "$(cat "$DEST/.xpv-stamp")" = "$stamp" ]; then
	say "$DEST is up to date"
	exit 0
fi
# Made before any sudo: the user keeps owning build/ and the log.
mkdir -p "$(dirname "$DEST")" "$(dirname "$LOG")"
: >"$LOG"
if [ "$(id -u)" -ne 0 ]; then
	# debootstrap and chroot need root, as make deps's apt-get does.
	command -v sudo >/dev/null || die "debootstrap and chroot need root (or sudo)"
	n=
	[ -t 0 ] || n=-n
	exec sudo $n -E "$0" "$@"
fi
command -v debootstrap >/dev/null || die "no debootstrap: run 'make deps'"

# The mirror this machine's apt uses, else Debian's own.
mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\/debian\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}

tmp=$DEST.new
cleanup() { # whatever is still mounted under the new root, deepest first
	[ -d "$tmp" ] || return 0
	awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
}
trap cleanup EXIT
cleanup
rm -rf "$tmp"
progress='echo "$(du -sm "$tmp" 2>/dev/null | cut -f1) MB, $(tail -n1 "$LOG" | cut -c1-60)"'

say "debootstrap $SUITE (minbase) from $mirror into ${tmp#"$TOP"/}; log ${LOG#"$TOP"/}"
run_logged "$LOG" "$progress" \
	debootstrap --variant=minbase "$SUITE" "$tmp" "$mirror"

# Packages' maintainer scripts must not start daemons on this machine.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod +x "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
say "installing ${PKGS[*]}"
run_logged "$LOG" "$progress" \
	chroot "$tmp" env DEBIAN_FRONTEND=noninteractive sh -c \
	"apt-get update -qq && apt-get install -y -q --no-install-recommends ${PKGS[*]} &&
	 { apt-get install -y -q --no-install-recommends --allow-downgrades $JDK_PIN ||
	   echo 'rootfs: WARNING: $JDK_PIN is not in the archive; the root keeps the current one'; } &&
	 apt-get clean"
umount "$tmp/proc"

# /dev/kvm is root's in the lab: with QEMU running as root libvirt does
# not re-probe QEMU's capabilities on every start (45 s under TCG).
cat >>"$tmp/etc/libvirt/qemu.conf" <<'EOF'

# XPV lab (ci/build-rootfs.sh)
user = "root"
group = "root"
# L1 has mounted this root under its own /dev; QEMU keeps using that.
namespaces = [ ]
EOF
# Where L1 binds its /lab (kernel, L2's initramfs, tools) in this root,
# and the built QEMU (lab_rootfs_qemu) at the path the example XML names.
mkdir -p "$tmp/lab"
: >"$tmp/usr/local/bin/qemu-system-x86_64"
for b in libvirtd virtlogd virsh numactl stress-ng perf time kexec java javac jtreg; do
	[ -x "$tmp/usr/sbin/$b" ] || [ -x "$tmp/usr/bin/$b" ] ||
		die "the root filesystem has no $b after the install"
done
# Started through sudo: the lab's QEMU runs as the user and serves the
# files over virtio-9p, so they must be readable by it.
[ -z "${SUDO_USER:-}" ] || chmod -R a+rX "$tmp"
echo "$stamp" >"$tmp/.xpv-stamp"
rm -rf "$DEST"
mv "$tmp" "$DEST"
say "$DEST: $(du -sm "$DEST" | cut -f1) MB"
