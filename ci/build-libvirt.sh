#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Debian's libvirt 9.0 with patches/libvirt (<kvm><xpv state='on'/>)
# out of tree with ccache, trimmed to what XPV needs: the QEMU driver, its
# daemon and virsh, and the unit tests of the files the series touches.
#
#   ci/build-libvirt.sh          build them
#   ci/build-libvirt.sh check    build them, then run those tests
#
# Meson configures libvirt with the other hypervisor drivers, the storage
# backends but the directory one, the security drivers, the docs and the
# git checks off (the source is a git tree of ci/src.sh's, not libvirt's).
set -euo pipefail

NAME=build-libvirt
# shellcheck source=ci/lib.sh
. "$(dirname "$0")/lib.sh"
SRC=$BUILD/src/libvirt
OBJ=$BUILD/obj/libvirt
LOG=$BUILD/logs/libvirt.log
JOBS=${JOBS:-$(nproc)}

# The unit tests of what the series changes: the domain XML (parse,
# format, schema), the QEMU command line and validation, the
# capabilities probe and the domain capabilities built on it, and the
# monitor's reading of query-xpv.
TESTS=(qemuxml2argvtest qemuxml2xmltest virschematest qemucapabilitiestest
	domaincapstest qemumonitorjsontest)

MESON_ARGS=(
	--prefix=/usr --libdir=lib/x86_64-linux-gnu --libexecdir=lib/libvirt
	--sysconfdir=/etc --localstatedir=/var -Drunstatedir=/run
	--buildtype=debugoptimized
	-Dno_git=true -Dgit_werror=disabled
	-Ddocs=disabled -Dtests=enabled -Dexpensive_tests=disabled
	-Ddriver_qemu=enabled -Ddriver_libvirtd=enabled -Ddriver_remote=enabled
	-Dyajl=enabled -Dnumactl=enabled -Dcapng=enabled -Dreadline=enabled
	-Dblkid=disabled
	-Ddriver_test=disabled -Ddriver_network=disabled
	-Ddriver_interface=disabled -Ddriver_secrets=disabled
	-Ddriver_lxc=disabled -Ddriver_ch=disabled -Ddriver_libxl=disabled
	-Ddriver_vbox=disabled -Ddriver_esx=disabled -Ddriver_hyperv=disabled
	-Ddriver_vmware=disabled -Ddriver_vz=disabled -Ddriver_openvz=disabled
	-Ddriver_bhyve=disabled
	-Dstorage_dir=enabled -Dstorage_fs=disabled -Dstorage_lvm=disabled
	-Dstorage_iscsi=disabled -Dstorage_iscsi_direct=disabled
	-Dstorage_scsi=disabled -Dstorage_mpath=disabled -Dstorage_disk=disabled
	-Dstorage_rbd=disabled -Dstorage_gluster=disabled -Dstorage_zfs=disabled
	-Dstorage_vstorage=disabled
	-Dapparmor=disabled -Dsecdriver_apparmor=disabled
	-Dapparmor_profiles=disabled -Dselinux=disabled -Dsecdriver_selinux=disabled
	-Dpolkit=disabled -Dsasl=disabled -Dlibssh=disabled -Dlibssh2=disabled
	-Dudev=disabled -Dlibnl=disabled -Dfirewalld=disabled -Dnss=disabled
	-Dlogin_shell=disabled -Dhost_validate=disabled
	-Dwireshark_dissector=disabled -Ddtrace=disabled -Dnumad=disabled
	-Dbash_completion=disabled -Dinit_script=none -Dsysctl_config=disabled
	-Dnls=disabled
)

"$TOP/ci/src.sh" prepare libvirt
mkdir -p "$BUILD/logs"
# meson runs cc: ccache's wrappers first in PATH make that ccache.
export PATH=/usr/lib/ccache:$PATH
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

cfgstamp=$(echo "${MESON_ARGS[*]}" | cat - "$0" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OBJ/.xpv-config-stamp" 2>/dev/null)" != "$cfgstamp" ] ||
	[ ! -f "$OBJ/build.ninja" ]; then
	say "configuring (meson)"
	rm -rf "$OBJ"
	: >"$LOG"
	run_logged "$LOG" 'echo configuring' meson setup "$OBJ" "$SRC" "${MESON_ARGS[@]}" ||
		die "meson setup failed, full log: $LOG"
	echo "$cfgstamp" >"$OBJ/.xpv-config-stamp"
fi

# The daemon, its QEMU driver module, virsh, and the test programs with
# the mock libraries each preloads (their meson "depends"), not the 170
# other test programs a plain ninja builds.
mapfile -t targets < <(cd "$OBJ" && meson introspect --tests --targets . |
	python3 -c '
import json, sys
data = json.load(sys.stdin)
want = set(sys.argv[1:])
ids = {}
for t in data["targets"]:
    ids[t["id"]] = t
out = set()
for t in data["tests"]:
    if t["name"] in want:
        out.update(t["cmd"][:1])
        for d in t.get("depends", []):
            if d in ids:
                out.update(ids[d]["filename"])
for t in data["targets"]:
    if t["name"] in ("libvirtd", "virsh", "virtlogd", "virt_driver_qemu"):
        out.update(t["filename"])
for f in sorted(out):
    print(f)
' "${TESTS[@]}" | sed "s|^$OBJ/||")
[ ${#targets[@]} -gt 0 ] || die "meson introspect found none of the targets"
say "building libvirtd, the QEMU driver, virsh and ${#TESTS[@]} test programs (${#targets[@]} targets, -j$JOBS), log in ${LOG#"$TOP"/}"
run_logged "$LOG" 'grep -o "^\[[0-9]*/[0-9]*\]" "$LOG" | tail -n1' \
	ninja -C "$OBJ" -j"$JOBS" "${targets[@]}" || die "libvirt build failed, full log: $LOG"

# What the lab's libvirt scenario runs over the Debian root's packaged
# libvirt 9.0 (tools/lab/scenarios/libvirt/l1-files): the daemon, virsh,
# the libraries, the QEMU driver module and the domain schema, without
# debug info.  Not executable here: they run there, with the root's
# libraries (the lab copies those of what is executable into L1).
lab=$OBJ/lab
rm -rf "$lab"
mkdir -p "$lab"
for f in src/libvirtd tools/virsh src/libvirt.so.0.9000.0 \
	src/libvirt-qemu.so.0.9000.0 src/libvirt_driver_qemu.so; do
	[ -f "$OBJ/$f" ] || die "the build made no $f"
	strip --strip-debug -o "$lab/$(basename "$f")" "$OBJ/$f"
	chmod 644 "$lab/$(basename "$f")"
done
cp "$SRC/src/conf/schemas/domaincommon.rng" "$lab/"

# check: the tests, one TAP line each (what failed prints its log).
if [ "${1:-}" = check ]; then
	say "running ${TESTS[*]}"
	rc=0
	meson test -C "$OBJ" --no-rebuild --print-errorlogs "${TESTS[@]}" \
		>"$OBJ/test.out" 2>&1 || rc=$?
	awk '$2 == "libvirt" && $3 == "/" {
		if ($5 == "OK") print "ok - libvirt/" $4 " (" $6 ")"
		else print "not ok - libvirt/" $4 " # " $5 ", log: '"${OBJ#"$TOP"/}"'/meson-logs/testlog.txt"
	}' "$OBJ/test.out"
	if [ $rc -ne 0 ]; then
		cat "$OBJ/test.out"
		die "libvirt's tests failed (meson test status $rc)"
	fi
	# The project's domain XML against the built libvirt's schema (what
	# its virt-xml-validate reads).
	for x in "$TOP"/examples/libvirt/*.xml "$TOP"/tools/lab/scenarios/libvirt/l2.xml; do
		if out=$(xmllint --noout --relaxng "$SRC/src/conf/schemas/domain.rng" "$x" 2>&1); then
			echo "ok - libvirt schema: ${x#"$TOP"/} validates"
		else
			echo "$out" | sed 's/^/# /'
			echo "not ok - libvirt schema: ${x#"$TOP"/} does not validate"
			rc=1
		fi
	done
	[ $rc -eq 0 ] || die "domain XML that the built libvirt's schema refuses"
fi
say "${OBJ#"$TOP"/}: src/libvirtd, tools/virsh"
