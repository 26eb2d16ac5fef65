#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XPV lab: QEMU (TCG) boots the built kernel as an L1 NUMA host with an
# SVM-capable CPU; L1 runs the built QEMU with KVM to start the same kernel
# as the L2 guest.  A scenario is a directory with l1.sh (run in L1) and
# l2.sh (run in L2); see tools/lab/README.md.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${XPV_BUILD:-$TOP/build}
# where retries are counted: make test's (the default), or a soak's own
RETRIES_LOG=${XPV_RETRIES_LOG:-$BUILD/lab/retries.log}
LAB=$TOP/tools/lab

usage() {
	cat <<EOF
usage: tools/lab/lab.sh [options] SCENARIO

SCENARIO is a name under tools/lab/scenarios/ (smoke, show, run, ...) or a
directory holding l1.sh and/or l2.sh, given as a path (with a slash:
./mine).

Machine (L1, emulated by TCG):
  --nodes N          NUMA nodes, 1-4 (default 2)
  --cpus N           vCPUs, at least one per node (default 4)
  --mem MIB          memory, split evenly between nodes (default 2048;
                     4096 with XPV_DEBUG=1: KASAN's shadow and the debug
                     options' overhead)
  --distance M       distance matrix, rows separated by ';' (default 10/20)
  --l1-append ARGS   extra L1 kernel command line (e.g. kvm.xpv=0)
  --plugin SO        load TCG plugin SO into L1's QEMU; what it prints
                     goes to qemu-cpu.log (the cost model's xpv-insn.so)
  --tcg-thread single|multi
                     TCG's threading for L1 (default single, or
                     \$LAB_TCG_THREAD): multi runs each vCPU on a thread
                     of its own (tools/lab/README.md says why the lab
                     does not)
L2 (started by L1's QEMU under KVM):
  --l2-cpus N        (default 2)     --l2-mem MIB   (default 512)
  --l2-cpu MODEL     L2's -cpu (default qemu64,kvm-steal-time=off; see
                     tools/lab/README.md)
  --l2-append ARGS   extra L2 kernel command line
Scenario and files:
  --l1-script F      run F in L1 instead of the scenario's l1.sh
  --l2-script F      run F in L2 instead of the scenario's l2.sh
  --share DIR        DIR of this machine, writable, at /share in L1
                     (virtio-9p): what runs of the lab hand on to each
                     other (guest-reshape's migration streams)
  --l1-file SRC[:DEST], --l2-file SRC[:DEST]
                     copy a file or directory into L1's or L2's root (DEST
                     default /lab/files/NAME); a dynamically linked program
                     gets its shared libraries as well.  Repeatable.
Running:
  --kernel F --qemu F  images to use (default: the ones 'make' built)
  --timeout S        whole run (default 900; none with --interactive);
                     L2 gets --l2-timeout (600)
  --out DIR          logs and initramfs (default build/lab/SCENARIO)
  --interactive      console on this terminal (what 'make lab' does)
  --xpv 0|1          L2 with XPV in 'make lab', 'show' and
                     'guest-alloc-stress' (default 1)
  --set NAME=VALUE   a variable for the scenario scripts (both levels'
                     /lab/config), e.g. --set LAB_STRESS_MOVES=0.  Repeatable.
  --move SECONDS     'make lab': L1 swaps L2's vCPU nodes every SECONDS
                     (default 0: never)

Exit status 0 when every check passed and both kernels stayed healthy.
EOF
}

die() { echo "lab: error: $*" >&2; exit 2; }

nodes=2 cpus=4 mem=2048 dist=
l2_cpus=2 l2_mem=512 l2_append= l2_cpu=qemu64,kvm-steal-time=off l1_extra=
l1_script= l2_script=
l1_files=() l2_files=()
kernel=$BUILD/obj/linux-lab/arch/x86/boot/bzImage
qemu=$BUILD/obj/qemu/qemu-system-x86_64
sets=() plugin= tcg_thread=${LAB_TCG_THREAD:-single}
share= timeout=900 timeout_set=0 l2_timeout=600 out= interactive=0 xpv=1 move=0
# L2's console prints warnings and worse (loglevel=5): every byte it
# prints costs L2 two VM exits to L1's QEMU, and the boot's info lines
# took about a third of a lab L2's boot (tools/lab/README.md).  Its
# kernel log stays whole in dmesg.  The debug kernel keeps them all: a
# debug L2 boots for minutes, and a console silent that long would
# look hung.  --set LAB_L2_LOGLEVEL= keeps every line.
l2_loglevel=5
if [ "${XPV_DEBUG:-0}" = 1 ]; then
	kernel=$BUILD/obj/linux-debug/arch/x86/boot/bzImage
	mem=4096
	l2_loglevel=
fi

need() { [ $# -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case $1 in
	--nodes) need "$@"; nodes=$2; shift ;;
	--cpus) need "$@"; cpus=$2; shift ;;
	--mem) need "$@"; mem=$2; shift ;;
	--distance) need "$@"; dist=$2; shift ;;
	--l2-cpus) need "$@"; l2_cpus=$2; shift ;;
	--l2-mem) need "$@"; l2_mem=$2; shift ;;
	--l2-cpu) need "$@"; l2_cpu=$2; shift ;;
	--l2-append) need "$@"; l2_append=$2; shift ;;
	--l1-append) need "$@"; l1_extra=" $2"; shift ;;
	--plugin) need "$@"; plugin=$2; shift ;;
	--tcg-thread) need "$@"; tcg_thread=$2; shift ;;
	--l1-script) need "$@"; l1_script=$2; shift ;;
	--l2-script) need "$@"; l2_script=$2; shift ;;
	--l1-file) need "$@"; l1_files+=("$2"); shift ;;
	--l2-file) need "$@"; l2_files+=("$2"); shift ;;
	--share) need "$@"; share=$2; shift ;;
	--kernel) need "$@"; kernel=$2; shift ;;
	--qemu) need "$@"; qemu=$2; shift ;;
	--timeout) need "$@"; timeout=$2; timeout_set=1; shift ;;
	--l2-timeout) need "$@"; l2_timeout=$2; shift ;;
	--out) need "$@"; out=$2; shift ;;
	--interactive) interactive=1 ;;
	--xpv) need "$@"; xpv=$2; shift ;;
	--move) need "$@"; move=$2; shift ;;
	--set) need "$@"
		[[ $2 =~ ^[A-Z_][A-Z0-9_]*=[^\'\\]*$ ]] || die "--set wants NAME=VALUE (NAME in capitals, no quotes in VALUE), not '$2'"
		sets+=("${2%%=*}='${2#*=}'"); shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || { usage >&2; die "give exactly one scenario"; }
scenario=$1
case $tcg_thread in
single | multi) ;;
*) die "--tcg-thread (or LAB_TCG_THREAD) must be single or multi, not '$tcg_thread'" ;;
esac

# A name is a scenario of tools/lab/scenarios, even where a directory of
# the same name is at hand (libvirt/ at the top of the tree); a path
# (with a slash) is a scenario directory of one's own.
if [[ $scenario != */* ]] && [ -d "$LAB/scenarios/$scenario" ]; then
	scdir=$LAB/scenarios/$scenario
elif [ -d "$scenario" ]; then
	scdir=$(cd "$scenario" && pwd)
else
	die "no scenario '$scenario' (have: $(ls "$LAB/scenarios" | tr '\n' ' '))"
fi
scname=$(basename "$scdir")
# Quiet boots keep L1's topology on the screen when L2's shell comes up.
l1_quiet=
if [ $interactive = 1 ]; then
	l1_quiet=" quiet"
	l2_append="$l2_append quiet"
fi
[ "$xpv" = 0 ] || [ "$xpv" = 1 ] || die "--xpv must be 0 or 1, not '$xpv'"
for v in nodes cpus mem l2_cpus l2_mem timeout l2_timeout move; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "--${v//_/-} must be a number, not '${!v}'"
done
[ "$nodes" -ge 1 ] && [ "$nodes" -le 4 ] || die "--nodes must be 1..4 (the lab's 2 host cores), not $nodes"
[ "$cpus" -le 8 ] || die "--cpus $cpus: more than 8 vCPUs on this machine's cores only slows TCG down"
[ "$l2_mem" -ge 128 ] && [ "$l2_mem" -lt "$mem" ] || die "--l2-mem must be 128..$((mem - 1)) MiB"
[ "$l2_cpus" -ge 1 ] || die "--l2-cpus must be at least 1"
# L1's waits end before the run's limit, with time left for a hang report
# (0: no limit, an interactive session without --timeout).
run_limit=$timeout
[ $interactive = 0 ] || [ $timeout_set = 1 ] || run_limit=0
[ -f "$kernel" ] || die "no kernel $kernel: run 'make kernel' (or give --kernel)"
[ -x "$qemu" ] || die "no QEMU $qemu: run 'make qemu' (or give --qemu)"
[ -z "$plugin" ] || [ -f "$plugin" ] || die "--plugin $plugin: no such file (make bench builds xpv-insn.so)"
[ -z "$share" ] || [ -d "$share" ] || die "--share $share: no such directory"
[ -z "$l1_script" ] || [ -f "$l1_script" ] || die "--l1-script $l1_script: no such file"
[ -z "$l2_script" ] || [ -f "$l2_script" ] || die "--l2-script $l2_script: no such file"
[ -f "${l1_script:-$scdir/l1.sh}" ] || die "scenario $scname has no l1.sh and no --l1-script was given"

# A scenario's l1-files/l2-files name build outputs it needs (SRC relative
# to build/, :DEST), e.g. the KVM selftests.
for level in l1 l2; do
	[ -f "$scdir/$level-files" ] || continue
	while read -r spec; do
		case $spec in "" | \#*) continue ;; esac
		[ -e "$BUILD/${spec%%:*}" ] ||
			die "scenario $scname needs build/${spec%%:*}: run 'make build' (or what $scname/$level-files names)"
		if [ $level = l1 ]; then l1_files+=("$BUILD/$spec"); else l2_files+=("$BUILD/$spec"); fi
	done <"$scdir/$level-files"
done

# A scenario's l1-rootfs names a Debian root filesystem under build/ (made
# by ci/build-rootfs.sh) that L1 mounts read-only from virtio-9p tag
# "xpvroot": a real userspace for daemons such as libvirtd.
rootfs=
if [ -f "$scdir/l1-rootfs" ]; then
	rootfs=$BUILD/$(sed -n '/^[^#]/{p;q}' "$scdir/l1-rootfs")
	[ -f "$rootfs/.xpv-stamp" ] ||
		die "scenario $scname needs the Debian root ${rootfs#"$BUILD"/}: run 'make rootfs'"
fi
# Its l2-rootfs names one for L2: lab.sh shares it into L1 as above, and
# L1 shares it on into L2 under the same tag (LAB_L2_ROOTFS=1, lib.sh's
# lab_l2_cmdline), where lab_rootfs_mount mounts it as in L1.
l2_rootfs=0
if [ -f "$scdir/l2-rootfs" ]; then
	r=$BUILD/$(sed -n '/^[^#]/{p;q}' "$scdir/l2-rootfs")
	[ -z "$rootfs" ] || [ "$rootfs" = "$r" ] ||
		die "scenario $scname: its l1-rootfs and l2-rootfs name different roots; the lab shares one"
	[ -f "$r/.xpv-stamp" ] ||
		die "scenario $scname needs the Debian root ${r#"$BUILD"/}: run 'make rootfs'"
	rootfs=$r l2_rootfs=1
fi

# The kernel's symbols (a build tree's System.map, beside arch/): the
# death reports resolve RIPs with them.  Both levels boot with nokaslr.
sysmap=$(dirname "$kernel")/../../../System.map
[ -f "$sysmap" ] || sysmap=$(dirname "$kernel")/System.map

labtopo=$BUILD/tools/xpv-labtopo
static_tools=$BUILD/tools/static
[ -x "$labtopo" ] && [ -d "$static_tools" ] || die "tools not built: run 'make tools'"
topo=(--nodes "$nodes" --cpus "$cpus" --mem "$mem")
[ -z "$dist" ] || topo+=(--distance "$dist")
numa_args=$("$labtopo" qemu-args "${topo[@]}") || die "bad machine: see above"
mapfile -t numa_args <<<"$numa_args"

out=${out:-$BUILD/lab/$scname}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- initramfs -------------------------------------------------------------
copy_libs() { # root elf
	local lib
	# a static program has none (ldd fails, grep finds nothing)
	{ ldd "$2" 2>/dev/null || true; } | { grep -o '/[^ ]*' || true; } | while read -r lib; do
		[ -f "$lib" ] || continue
		mkdir -p "$1$(dirname "$lib")"
		cp -L "$lib" "$1$lib"
	done
}

add_files() { # root spec...
	local root=$1 spec src dest f
	shift
	for spec in "$@"; do
		src=${spec%%:*}
		dest=${spec#*:}
		[ "$dest" != "$spec" ] || dest=/lab/files/$(basename "$src")
		[ -e "$src" ] || die "file $src (from $spec) does not exist"
		case $dest in /*) ;; *) dest=/$dest ;; esac
		mkdir -p "$root$(dirname "$dest")"
		cp -a "$src" "$root$dest"
		while read -r f; do
			copy_libs "$root" "$f"
		done < <(find "$src" -type f -perm -u+x)
	done
}

# A kernel in trouble, on its console: what fails "kernel stayed healthy",
# and what keeps a death from counting as a TCG flake (here and in L1,
# which gets it as $LAB_TROUBLE_RE).  A hung task's report is matched by
# its first line: its call trace is printed at info level, which L2's
# console leaves out (loglevel=5, below).
trouble_re='Kernel panic|BUG:|Oops|WARNING:|general protection fault|rcu: INFO|self-detected stall|blocked for more than|Call Trace:'
# An RCU stall report: one of the kernel's CPUs stopped for 21 s or more
# (here and in L1, which gets it as $LAB_RCU_STALL_RE).
rcu_stall_re='rcu: INFO: .*detected stalls'

write_config() { # root level
	cat >"$1/lab/config" <<EOF
LAB_TROUBLE_RE='$trouble_re'
LAB_RCU_STALL_RE='$rcu_stall_re'
LAB_LEVEL=$2
LAB_SCENARIO='$scname'
LAB_INTERACTIVE=$interactive
LAB_NODES=$nodes
LAB_CPUS=$cpus
LAB_MEM=$mem
LAB_DIST='$dist'
LAB_L2_CPUS=$l2_cpus
LAB_L2_MEM=$l2_mem
LAB_L2_CPU='$l2_cpu'
LAB_L2_APPEND='$l2_append'
LAB_L2_LOGLEVEL=$l2_loglevel
LAB_L2_TIMEOUT=$l2_timeout
LAB_TIMEOUT=$run_limit
LAB_L2_ROOTFS=$l2_rootfs
LAB_SHARE=$([ -z "$share" ] || echo 1)
LAB_XPV=$xpv
LAB_MOVE=$move
EOF
	[ ${#sets[@]} -eq 0 ] || printf '%s\n' "${sets[@]}" >>"$1/lab/config"
}

base_root() { # root level script
	local root=$1
	mkdir -p "$root"/{bin,lab/bin,lab/scenario,lab/files,etc}
	cp /bin/busybox "$root/bin/busybox"
	cp "$LAB/init" "$root/init"
	cp "$LAB/lib.sh" "$root/lab/lib.sh"
	cp -a "$static_tools"/. "$root/lab/bin/"
	cp -a "$scdir"/. "$root/lab/scenario/"
	[ -z "$3" ] || cp "$3" "$root/lab/scenario/$(echo "$2" | tr L l).sh"
	[ -f "$root/lab/scenario/$(echo "$2" | tr L l).sh" ] ||
		echo ': # no script for this level' >"$root/lab/scenario/$(echo "$2" | tr L l).sh"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	write_config "$root" "$2"
}

mkcpio() { # root cpio
	(cd "$1" && find . | cpio -o -H newc --quiet) >"$2"
}

echo "lab: building initramfs in ${out#"$TOP"/}"
l2root=$out/root-l2
base_root "$l2root" L2 "$l2_script"
add_files "$l2root" "${l2_files[@]}"
mkcpio "$l2root" "$out/l2.cpio"

l1root=$out/root-l1
base_root "$l1root" L1 "$l1_script"
mkdir -p "$l1root/lab/fw" "$l1root/usr/bin"
strip --strip-debug -o "$l1root/usr/bin/qemu-system-x86_64" "$qemu"
copy_libs "$l1root" "$qemu"
for f in numactl migratepages; do
	cp "/usr/bin/$f" "$l1root/usr/bin/$f"
	copy_libs "$l1root" "/usr/bin/$f"
done
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	/usr/share/qemu/kvmvapic.bin; do
	[ -f "$f" ] || die "firmware $f missing: run 'make deps'"
	cp "$f" "$l1root/lab/fw/"
done
cp "$kernel" "$l1root/lab/bzImage"
# Its symbols, for L1's reports of an L2 that died or hangs.
[ ! -f "$sysmap" ] || cp "$sysmap" "$l1root/lab/System.map"
cp "$out/l2.cpio" "$l1root/lab/l2.cpio"
add_files "$l1root" "${l1_files[@]}"
if [ -n "$rootfs" ]; then
	# The built QEMU runs inside that root too (lab_rootfs_qemu): give
	# it the libraries the root lacks, from this machine's Debian.
	mkdir -p "$l1root/lab/rootfs-lib"
	ldd "$qemu" | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$rootfs$lib" ] || [ -e "$rootfs/usr$lib" ] ||
			cp -L "$lib" "$l1root/lab/rootfs-lib/"
	done
fi
mkcpio "$l1root" "$out/l1.cpio"
rm -rf "$l1root" "$l2root"
echo "lab: L1 initramfs $(($(stat -c %s "$out/l1.cpio") >> 20)) MiB"

# --- run ---------------------------------------------------------------------
# maxcpus=1: init brings the other CPUs up once KVM's static keys are on
# (tools/lab/init).  numa_balancing=disable: L1 is an XPV host, set up as
# the README says (its balancing fights the guest's); a scenario that
# wants it turns kernel.numa_balancing on.
l1_append="console=ttyS0 panic=-1 sysctl.kernel.panic_on_rcu_stall=1 maxcpus=1 nokaslr numa_balancing=disable$l1_quiet$l1_extra"
qemu_cmd=("$qemu" -accel "tcg,thread=$tcg_thread" -cpu max,la57=off
	"${numa_args[@]}" -nodefaults -display none
	-L /usr/share/seabios -L /usr/share/qemu
	-kernel "$kernel" -initrd "$out/l1.cpio" -append "$l1_append")
[ -z "$rootfs" ] || qemu_cmd+=(-virtfs
	"local,path=$rootfs,mount_tag=xpvroot,security_model=none,readonly=on")
[ -z "$share" ] || qemu_cmd+=(-virtfs
	"local,path=$(cd "$share" && pwd),mount_tag=xpvshare,security_model=none")
: >"$out/l1.log"
: >"$out/l2.log"

if [ $interactive = 1 ]; then
	echo "${qemu_cmd[*]}" >"$out/cmdline"
	echo "lab: L1 boots under TCG ($nodes nodes, $cpus vCPUs, $mem MiB); Ctrl-A x quits QEMU"
	# A user's session ends when they say so (or at --timeout).
	limit=()
	[ $timeout_set = 0 ] || limit=(timeout --foreground -k 10 "$timeout")
	"${limit[@]}" "${qemu_cmd[@]}" -no-reboot \
		-serial mon:stdio -serial "file:$out/l2.log" || true
	exit 0
fi

# No death of L1 is silent: a reset (a triple fault included: QEMU's
# "-d cpu_reset" log says "Triple fault") or a panic (pvpanic) leaves it
# paused with its CPU state intact; xpv-vmwatch, on a QMP socket of its
# own, reports how it died and where its CPUs were (l1.watch), then quits
# QEMU.  The harness itself quits QEMU once L1 has said "done": what L1's
# poweroff does after its verdict is in belongs to no check.
qemu_cmd+=(-action reboot=shutdown,shutdown=pause,panic=pause -device pvpanic
	-qmp "unix:$out/l1-watch.qmp,server=on,wait=off"
	-qmp "unix:$out/l1.qmp,server=on,wait=off"
	-d "cpu_reset${plugin:+,plugin}" -D "$out/qemu-cpu.log")
[ -z "$plugin" ] || qemu_cmd+=(-plugin "$plugin")
echo "${qemu_cmd[*]}" >"$out/cmdline"
vmwatch=$BUILD/tools/xpv-vmwatch
[ -x "$vmwatch" ] || die "tools not built: run 'make tools'"

echo "lab: running scenario $scname: L1 $nodes nodes/$cpus vCPUs/$mem MiB, L2 $l2_cpus vCPUs/$l2_mem MiB, TCG $tcg_thread-threaded, timeout ${timeout}s"

# L1's output port (xpvlab.out, what its scenario prints and nothing
# else) and L2's as L1 relays it (xpvlab.l2out): results come from there,
# where no kernel message cuts a line (tools/lab/lib.sh).
qemu_cmd+=(-device virtio-serial-pci,id=labports
	-chardev "file,id=l1out,path=$out/l1.out"
	-device virtserialport,bus=labports.0,chardev=l1out,name=xpvlab.out
	-chardev "file,id=l2out,path=$out/l2.out"
	-device virtserialport,bus=labports.0,chardev=l2out,name=xpvlab.l2out)

# l1_done: L1 has printed its last result (the console has a copy, in
# case its port fails).
l1_done() { has 'XPVLAB done L1' "$out/l1.out" "$out/l1.log"; }

# l2_stalled: L2's console (this attempt's) reported an RCU stall.
l2_stalled() { has "$rcu_stall_re" "$out/l2.log"; }

# has ERE FILE...: a line of FILE... matches ERE (carriage returns
# aside).  It reads every file to its end: a grep -q that stops at the
# first match leaves the command writing to it with SIGPIPE, and under
# pipefail the pipeline then fails although the line is there (that made
# a run whose L1 said 'done' count as one that did not).
has() {
	local re=$1
	shift
	[ "$(cat "$@" 2>/dev/null | tr -d '\r' | grep -Ec -- "$re" || true)" != 0 ]
}

# l1_stop_hung SAMPLES WAIT: where L1's CPUs are (SAMPLES register
# samples, into l1.hang), then end its QEMU ($qpid): SIGTERM, SIGKILL
# WAIT seconds later.
l1_stop_hung() {
	"$vmwatch" -r -s "$1" -m "$sysmap" -n L1 -o "$out/l1-regs.txt" "$out/l1.qmp" \
		>"$out/l1.hang" 2>&1 || true
	# a CPU on another's GS base (tcg-l1-vmload), into l1.hang too
	if "$TOP/tools/lab/l1-gs" "$out/l1.qmp" "$sysmap" "$cpus" >"$out/l1-gs.txt" 2>&1; then
		sed 's/^/L1 hangs: /' "$out/l1-gs.txt" >>"$out/l1.hang"
	fi
	kill "$qpid" 2>/dev/null || true
	sleep "$2"
	kill -9 "$qpid" 2>/dev/null || true
}

# output_size: the bytes both levels have printed so far (consoles and
# ports), without reading them.
output_size() {
	{ stat -c %s "$out"/l1.log "$out"/l1.out "$out"/l2.log "$out"/l2.out 2>/dev/null || true; } |
		awk '{ s += $1 } END { print s + 0 }'
}

# l1_run: run QEMU (L1) to its end: L1 done (then quit it), L1 dead
# (xpv-vmwatch reports and quits it) or the timeout (where L1's CPUs are
# goes to l1.hang, then QEMU is killed).  Sets rc: QEMU's exit status,
# 124 on the timeout, 125 when an L1 CPU went deaf (tools/lab/l1-deaf:
# halted with an interrupt to deliver that QEMU never delivers; looked
# for after two minutes in which neither level printed a byte, and after
# an RCU stall on L2's console).
l1_run() {
	local qpid wpid deadline done_at=
	rm -f "$out/l1.qmp" "$out/l1-watch.qmp"
	"${qemu_cmd[@]}" -serial "file:$out/l1.log" -serial "file:$out/l2.log" \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	"$vmwatch" -m "$sysmap" -n L1 -o "$out/l1-regs.txt" -w 60 "$out/l1-watch.qmp" \
		>"$out/l1.watch" 2>&1 &
	wpid=$!
	deadline=$(($(date +%s) + timeout))
	rc=
	# quiet since, and the last probe for a deaf CPU (see l1-deaf)
	local size= cur quiet_since probed=0 now
	quiet_since=$(date +%s)
	probe_why=
	while kill -0 $qpid 2>/dev/null; do
		now=$(date +%s)
		cur=$(output_size)
		if [ "$cur" != "$size" ]; then
			size=$cur
			quiet_since=$now
		fi
		# Two minutes without a byte from either level: an L1 CPU
		# that no interrupt wakes stops everything waiting on it.  So
		# does an RCU stall in L2: an L2 vCPU whose thread that L1 CPU
		# should run never runs again, while L2's other vCPU prints
		# (L1's init, seeing the stall, ends L2 after its hang report,
		# but the deaf CPU stays deaf: the probe still finds it).
		probe_why=
		if [ $((now - probed)) -lt 60 ]; then
			:	# a minute between probes
		elif [ -z "$done_at" ] && [ $((now - quiet_since)) -ge 120 ]; then
			probe_why="after 2 min without output"
		elif l2_stalled; then
			probe_why="after an RCU stall on L2's console"
		fi
		if [ -n "$probe_why" ]; then
			probed=$now
			if "$TOP/tools/lab/l1-deaf" "$out/l1.qmp" "$cpus" >"$out/l1.deaf" 2>&1; then
				l1_stop_hung 1 5
				rc=125
				break
			fi
			# or a CPU on another's per-CPU area (l1-gs), which
			# sooner or later waits for good on a lock
			if "$TOP/tools/lab/l1-gs" "$out/l1.qmp" "$sysmap" "$cpus" >"$out/l1-gs.txt" 2>&1; then
				cp "$out/l1-gs.txt" "$out/l1-gs.first"
				l1_stop_hung 1 5
				rc=126
				break
			fi
			# what each probe that found no deaf CPU saw, for the
			# report of a run that then hangs or fails (l1.probes)
			{
				echo "$probe_why ($((now - quiet_since)) s without output):"
				sed 's/^/  /' "$out/l1.deaf"
			} >>"$out/l1.probes"
			rm -f "$out/l1.deaf"
		fi
		if [ -z "$done_at" ] && l1_done; then
			done_at=$(date +%s)
		elif [ -n "$done_at" ] && [ $(($(date +%s) - done_at)) -ge 2 ]; then
			# the consoles have drained: end L1 from here
			"$BUILD/tools/xpv-qmp" "$out/l1.qmp" '{"execute":"quit"}' \
				>/dev/null 2>&1 || true
			done_at=$((done_at + 30))	# then wait for QEMU
		fi
		if [ "$(date +%s)" -ge $deadline ]; then
			l1_stop_hung 3 10
			rc=124
			break
		fi
		sleep 0.5
	done
	if [ -z "$rc" ]; then
		rc=0
		wait $qpid || rc=$?
	else
		wait $qpid 2>/dev/null || true
	fi
	kill $wpid 2>/dev/null || true
	wait $wpid 2>/dev/null || true
}

# l1_death: how L1 died, from xpv-vmwatch and QEMU's log; nothing when
# it did not.
l1_death() {
	grep -q '^L1 died' "$out/l1.watch" 2>/dev/null || return 1
	if grep -q 'Triple fault' "$out/qemu-cpu.log" 2>/dev/null; then
		echo "L1 triple-faulted (QEMU: Triple fault)"
	fi
	cat "$out/l1.watch"
}

# The part of a console that counts: L1's up to its "done" (a stall in
# its poweroff comes after the verdict), L2's whole.
counted_log() {
	if [ "$1" = L1 ]; then
		tr -d '\r' <"$out/l1.log" | sed '/XPVLAB done L1/q'
	else
		tr -d '\r' <"$out/l2.log"
	fi
}

# One boot of the lab; the verdict goes to $out/verdict, TAP included.
run_once() {
	local start rc=0 n=0 failed=0 level log line bad death
	start=$(date +%s)
	: >"$out/l1.log"
	: >"$out/l2.log"
	: >"$out/l1.out"
	: >"$out/l2.out"
	rm -f "$out/l1.watch" "$out/l1.hang" "$out/l1.deaf" "$out/l1.probes" \
		"$out/qemu-cpu.log" "$out/l1-regs.txt" "$out/l1-gs.txt" "$out/l1-gs.first"
	l1_run
	elapsed=$(($(date +%s) - start))
	tap() { # ok|"not ok" text
		n=$((n + 1))
		echo "$1 $n - lab/$scname: $2"
		[ "$1" = ok ] || failed=$((failed + 1))
	}
	{
		for level in L1 L2; do
			log=$out/$(echo "$level" | tr L l).log
			while IFS= read -r line; do
				case $line in
				"XPVLAB ok "*) tap ok "${line#XPVLAB ok }" ;;
				"XPVLAB not ok "*) tap "not ok" "${line#XPVLAB not ok }" ;;
				"XPVLAB # "*) echo "# ${line#XPVLAB # }" ;;
				esac
			done < <(tr -d '\r' <"${log%.log}.out" | grep '^XPVLAB \(ok\|not ok\|#\) ')
			# The port carries every line the console shows: a port that
			# lost lines would hide results.
			if [ $level = L1 ] && ! grep -q '^XPVLAB done L1' "$out/l1.out" &&
				grep -q 'XPVLAB done L1' "$log"; then
				tap "not ok" "L1's output port carried its results # l1.out ends before L1's 'done', which its console shows: $(tail -n 1 "$out/l1.out" | tr -d '\r')"
			fi
			# A kernel in trouble fails the run even when every check passed.
			# (Diagnostics quoting another console do not count.)
			bad=$(counted_log $level | grep -v 'XPVLAB # ' | grep -E -m3 "$trouble_re" || true)
			if [ -n "$bad" ]; then
				tap "not ok" "$level kernel stayed healthy # $(echo "$bad" | head -n1)"
				# The trouble whole: what it hit, where, and how it got there.
				counted_log $level | grep -v '^XPVLAB ' |
					awk -v re="$trouble_re" 'f || $0 ~ re { f = 1; if (++n <= 60) print }' |
					sed "s/^/#   $level: /" || true
			elif [ -s "$log" ]; then
				tap ok "$level kernel stayed healthy"
			fi
		done
		death=$(l1_death || true)
		if [ $rc -eq 124 ]; then
			tap "not ok" "finished within ${timeout}s # timed out; L1's CPUs then:"
			sed 's/^/#   /' "$out/l1.hang"
			# and while neither level printed a byte (no CPU deaf)
			[ ! -f "$out/l1.probes" ] || tail -n 25 "$out/l1.probes" | sed 's/^/#   /'
		elif [ $rc -eq 126 ]; then
			tap "not ok" "L1's CPUs kept to their own per-CPU areas # $probe_why, $(head -n 1 "$out/l1-gs.first")"
			sed 's/^/#   /' "$out/l1.hang"
			[ ! -f "$out/l1.probes" ] || tail -n 25 "$out/l1.probes" | sed 's/^/#   earlier: /'
		elif [ $rc -eq 125 ]; then
			tap "not ok" "L1's CPUs kept taking interrupts # $probe_why, $(head -n 1 "$out/l1.deaf")"
			sed 's/^/#   /' "$out/l1.deaf" "$out/l1.hang"
			# the silent minutes before, when no CPU was deaf yet
			[ ! -f "$out/l1.probes" ] || tail -n 25 "$out/l1.probes" | sed 's/^/#   earlier: /'
		elif l1_done; then
			tap ok "L1 ran its scenario to the end (${elapsed}s)"
			[ -z "$death" ] || echo "$death" |
				sed 's/^/# after its verdict was in (no check): /'
			# an L2 that stalled, on L1 CPUs that were not deaf
			[ ! -f "$out/l1.probes" ] || tail -n 25 "$out/l1.probes" |
				sed 's/^/# L1 probed: /'
		elif [ -n "$death" ]; then
			tap "not ok" "L1 ran its scenario to the end # $(echo "$death" | head -n1)"
			echo "$death" | sed 's/^/#   /'
		else
			tap "not ok" "L1 ran its scenario to the end # QEMU exited with $rc, no 'done' from L1 and no death seen: $(tail -n 3 "$out/qemu.log" "$out/l1.watch" 2>/dev/null | tr '\n' ' ')"
			# where L1's two copies of its output stopped, and what its
			# init said about them
			echo "#   last line on L1's port: $(tail -n 1 "$out/l1.out" | tr -d '\r')"
			echo "#   last result on L1's console: $(tr -d '\r' <"$out/l1.log" | grep '^XPVLAB \(ok\|not ok\|done\)' | tail -n 1)"
			tr -d '\r' <"$out/l1.log" | { grep 'XPVLAB # L1: init:' || true; } | sed 's/^/#   /'
			echo "#   L1's console ends with:"
			tr -d '\r' <"$out/l1.log" | tail -n 5 | sed 's/^/#     /'
		fi
		echo "$failed $n" >"$out/counts"
	} >"$out/verdict"
}

# Retries (at most two) are for named flakes only: failures whose signature has been
# shown to be nested TCG's own (tools/lab/README.md, "Flakes"):
#   tcg-int3           "Oops: int3" on either console: a vCPU ran text
#                      another vCPU was patching (text_poke_bp);
#   tcg-l2-boot-reset  L2 reset (xpv-vmwatch: "L2 died: reset") while
#                      bringing up its CPUs, before its init ran;
#   tcg-l2-boot-hang   L2's clock stopped before its init ran;
#   tcg-l1-vmload      L1 triple-faulted with a CPU whose task register
#                      points outside its own CPU entry area (where its
#                      GDT is), or overflowed the stack of a KVM vCPU
#                      thread with page faults in exc_page_fault (its GS
#                      base gone), or hung with a CPU at CPL 0 on a GS
#                      base that is not its per-CPU area (tools/lab/l1-gs):
#                      after boot only the emulated VMLOAD of KVM's host
#                      state, right after each #VMEXIT from L2, loads TR
#                      and that GS base.  Seen with XPV off on both levels
#                      (tools/lab/README.md).
#   tcg-l2-reset       L2 died of a reset with a vCPU back in its INIT
#                      state (RIP 0xfff0: L1's KVM re-initialises a vCPU
#                      after its SHUTDOWN exit, a triple fault), and no
#                      panic, oops, BUG or WARNING on L2's console: seen
#                      with XPV off on both levels (tools/lab/README.md).
#   tcg-vmrun-rip      L2 shut down (a triple fault, traced by L1) or hung
#                      (L1's samples of its CPUs) at an RIP in
#                      __svm_vcpu_run, KVM's world switch, which L2 never
#                      runs (it has no SVM): TCG ran L2 with L1's RIP; or
#                      L1 triple-faulted with a CPU there.
#                      Seen with XPV off in L2 (tools/lab/README.md).
#   tcg-irq-if-clear   a console shows an interrupt taken by a context
#                      whose RFLAGS had IF clear (the registers printed
#                      after an asm_sysvec_* frame), which no CPU does
#                      with a maskable interrupt: seen in a debug L2
#                      with XPV off on both levels (tools/lab/README.md).
#   tcg-l1-deaf        an L1 CPU halted with IF set and a deliverable
#                      vector in its APIC's IRR, which QEMU never
#                      delivers, or a vector held back by one in service
#                      that the halted CPU never EOIs (tools/lab/l1-deaf):
#                      seen with XPV off on both levels.
#   tcg-exc-delivery   a guest of L1's KVM (L2, or a KVM selftest's VM)
#                      shut down (traced by L1) while a page fault on an
#                      instruction fetch, "not present", was delivered at
#                      an RIP in its own code, which is always mapped; or
#                      a selftest's VM did while a #GP that KVM injected
#                      was delivered, through an IDT that took thousands
#                      before: no real CPU faults there.  Seen with XPV
#                      off on both levels.  lab_ktap retries such a test
#                      itself ("retry N/M of TEST"), counted here too.
# Anything else fails at once, with its cause.  Every retry is said and
# counted in $RETRIES_LOG (make test and make lab-soak sum it).

# l1_tr_astray: some CPU of L1 at its death (l1-regs.txt) has a TR base
# more than 1 MiB from its GDT base: not in its CPU entry area.
l1_tr_astray() {
	local tr= g d line
	grep -q 'Triple fault' "$out/qemu-cpu.log" 2>/dev/null || return 1
	[ -f "$out/l1-regs.txt" ] || return 1
	while read -r line; do
		case $line in
		"TR ="*) tr=$(echo "$line" | awk '{ print $3 }') ;;
		"GDT="*)
			g=$(echo "$line" | awk '{ print $2 }')
			[[ $tr =~ ^[0-9a-f]{1,16}$ && $g =~ ^[0-9a-f]{1,16}$ ]] || continue
			# kernel addresses are negative here: the difference fits
			d=$((0x$tr - 0x$g))
			[ $d -ge 0 ] || d=$((-d))
			[ $d -le 1048576 ] || return 0
			tr= ;;
		esac
	done <"$out/l1-regs.txt"
	return 1
}

# l1_gs_astray: a CPU of the hung L1 ran at CPL 0 on a GS base that is a
# kernel address other than its per-CPU area (tools/lab/l1-gs).
l1_gs_astray() {
	grep -q 'is not its per-CPU area' "$out/l1-gs.txt" "$out/l1-gs.first" 2>/dev/null
}

# l1_kvm_stack_overflow: L1's console has a stack guard page hit by a
# KVM vCPU thread, in exc_page_fault (each fault faulted again reading
# the current task through a GS base of 0).
l1_kvm_stack_overflow() {
	local oops
	oops=$(tr -d '\r' <"$out/l1.log" | grep -A8 'BUG: TASK stack guard page was hit')
	grep -q 'Comm: CPU [0-9]*/KVM' <<<"$(head -n 7 <<<"$oops")" &&
		grep -q 'RIP: 0010:exc_page_fault+' <<<"$oops"
}

# l2_cpu_reset: L2 died of a reset, one of its vCPUs in its INIT state,
# with nothing wrong on its console before.
l2_cpu_reset() {
	local o
	o=$(tr -d '\r' <"$out/l1.out")
	grep -q 'L2 died: reset (guest-reset)' <<<"$o" &&
		grep -q 'L2 at its death: CPU [0-9]* at RIP 0xfff0 ' <<<"$o" &&
		[ "$(counted_log L2 | grep -Ec "$trouble_re" || true)" = 0 ]
}

# l2_at_world_switch: L2 shut down in __svm_vcpu_run (L1 traced it), or
# hung with a CPU there (L1's samples of its hung CPUs), or L1
# triple-faulted with a CPU there.
l2_at_world_switch() {
	has "L1's KVM saw L2 shut down.*\\[__svm_vcpu_run\\+" "$out/l1.out" && return 0
	has "L2 sample [0-9]*: CPU [0-9]* at RIP 0x[0-9a-f]* \\(__svm_vcpu_run\\+" "$out/l1.out" &&
		return 0
	grep -q 'Triple fault' "$out/qemu-cpu.log" 2>/dev/null &&
		grep -q 'L1 at its death: CPU [0-9]* at RIP 0x[0-9a-f]* (__svm_vcpu_run+' "$out/l1.watch" 2>/dev/null
}

# irq_if_clear: a console has an interrupt frame whose interrupted
# context had IF clear (EFLAGS bit 9).
irq_if_clear() {
	local fl
	for fl in $(cat "$out/l1.log" "$out/l2.log" 2>/dev/null | tr -d '\r' |
		grep -A4 ' asm_sysvec_[a-z_]*+' | grep -o 'EFLAGS: [0-9a-f]*' |
		awk '{ print $2 }'); do
		[ $((0x$fl & 0x200)) != 0 ] || return 0
	done
	return 1
}

# l1_named BEFORE AFTER: the first flake L1 named itself, in a line of
# l1.out where BEFORE comes right before the name and AFTER right after
# it (sed patterns); fails if there is none.
l1_named() {
	tr -d '\r' 2>/dev/null <"$out/l1.out" |
		sed -n "s/.*$1\(tcg-[a-z0-9-]*\)$2.*/\1/p" | sed -n 1p | grep .
}

# count_test_retries: the retries lab_ktap took in L1 (a test run again
# after its VM died of a named flake), into retries.log.
count_test_retries() {
	tr -d '\r' <"$out/l1.out" 2>/dev/null |
		sed -n 's/^XPVLAB # L1: retry [0-9]*\/[0-9]* of \([^:]*\): its VM died of the known TCG flake \(tcg-[a-z0-9-]*\) .*/\1 \2/p' |
		while read -r t sig; do
			echo "$(date -u +%FT%TZ) $scname/$t $sig" >>"$RETRIES_LOG"
		done
}

# l1_deaf: the run ended on an L1 CPU that no interrupt wakes.
l1_deaf() {
	grep -q "^not ok .*L1's CPUs kept taking interrupts" "$out/verdict" 2>/dev/null
}

flake_signature() {
	if has 'Oops: int3' "$out/l1.log" "$out/l2.log"; then
		echo tcg-int3
		return 0
	fi
	if l1_tr_astray || l1_kvm_stack_overflow || l1_gs_astray; then
		echo tcg-l1-vmload
		return 0
	fi
	if l2_at_world_switch; then
		echo tcg-vmrun-rip
		return 0
	fi
	# the death of one of L1's guests, by the trace of its shutdown
	# (lab_death_named in lib.sh)
	if l1_named "'s death is the known TCG flake " ' '; then
		return 0
	fi
	if l2_cpu_reset; then
		echo tcg-l2-reset
		return 0
	fi
	if irq_if_clear; then
		echo tcg-irq-if-clear
		return 0
	fi
	if l1_deaf; then
		echo tcg-l1-deaf
		return 0
	fi
	# an L2 that died or hung while it booted (lab_l2_wait_line)
	l1_named 'L2 stopped while booting: ending this run (signature ' ')'
}
# XPV_LAB_RETRIES: retries of named flakes (default 2; make test gives
# every scenario 4, tools/lab/README.md)
max_retries=${XPV_LAB_RETRIES:-2}
[[ $max_retries =~ ^[0-9]$ ]] || die "XPV_LAB_RETRIES must be a number from 0 to 9, not '$max_retries'"
attempt=1
mkdir -p "$BUILD/lab"
run_once
count_test_retries
read -r failed n <"$out/counts"
while [ "$failed" -gt 0 ] && [ $attempt -le $max_retries ] && sig=$(flake_signature); do
	for f in l1.log l2.log l1.out l2.out qemu.log verdict l1.watch l1-regs.txt l1.hang l1.deaf \
		l1.probes l1-gs.txt l1-gs.first qemu-cpu.log; do
		[ ! -f "$out/$f" ] || mv "$out/$f" "$out/attempt$attempt-$f"
	done
	mkdir -p "$(dirname "$RETRIES_LOG")"
	echo "$(date -u +%FT%TZ) $scname $sig" >>"$RETRIES_LOG"
	echo "# lab: retry $attempt/$max_retries: attempt $attempt failed with the known TCG flake $sig" \
		"(tools/lab/README.md); its logs are attempt$attempt-*"
	# what that attempt saw: its failed checks and how L2 or L1 died
	{
		grep '^not ok' "$out/attempt$attempt-verdict"
		tr -d '\r' <"$out/attempt$attempt-l1.out" 2>/dev/null |
			grep -E 'died|at its death|KVM ended|shut down|injected|kvm_inj_exception|stopped while booting|known TCG flake'
		# an L1 death is told in l1.watch, a CPU on another's GS base
		# in l1-gs.txt
		grep -h 'died\|at its death' "$out/attempt$attempt-l1.watch" 2>/dev/null
		grep -h 'is not its per-CPU area' "$out/attempt$attempt-l1-gs.txt" 2>/dev/null
	} | sed "s/^/# lab:   attempt $attempt: /" || true
	attempt=$((attempt + 1))
	run_once
	count_test_retries
	read -r failed n <"$out/counts"
done
cat "$out/verdict"

if [ "$failed" -gt 0 ]; then
	for f in qemu.log l1.log l2.log; do
		echo "# ---- tail of $f"
		tail -n 40 "$out/$f" | tr -d '\r' | sed 's/^/# /'
	done
	echo "lab: $failed of $n checks failed; logs in $out" >&2
	exit 1
fi
echo "lab: all $n checks passed in ${elapsed}s; logs in ${out#"$TOP"/}"
