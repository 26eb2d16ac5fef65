# XPV VMs from libvirt.  L1 mounts the lab's Debian root, runs the built
# libvirt (patches/libvirt) over its packaged one, starts virtlogd and
# libvirtd in it by hand, and starts L2 from domain XML (l2.xml: the
# example's XPV settings, <kvm><xpv state='on'/>) with `virsh create`;
# first with the host's XPV shown off, which libvirt must refuse.  What L2
# reads in /sys/devices/system/xpv must match what
# `virsh qemu-monitor-command l2 query-xpv` and `xpvctl show` (through
# virsh) report and where L1 runs the vCPU threads; `xpvctl vcpu` moves a
# vCPU through libvirt (virsh vcpupin); `virsh save` and `virsh restore`
# carry XPV over, and a move after the restore still reaches L2.
LAB_L2_LIBVIRT=l2
x=/lab/scenario/l2.xml

lab_check "mount the Debian root (virtio-9p) with writable libvirt state" lab_rootfs_mount || exit 1
lab_check "the built QEMU runs in the Debian root" lab_rootfs_qemu || exit 1

# The built libvirt over the root's packaged 9.0: daemon, virsh,
# libraries, schema, and the QEMU driver as the only driver module (the
# domain needs no network, storage or other driver).
built_libvirt() {
	_b=/lab/libvirt _lib=/usr/lib/x86_64-linux-gnu
	chmod 755 $_b/libvirtd $_b/virsh || return 1
	for _f in libvirtd:/usr/sbin/libvirtd virsh:/usr/bin/virsh \
		libvirt.so.0.9000.0:$_lib/libvirt.so.0.9000.0 \
		libvirt-qemu.so.0.9000.0:$_lib/libvirt-qemu.so.0.9000.0 \
		domaincommon.rng:/usr/share/libvirt/schemas/domaincommon.rng; do
		mount --bind $_b/"${_f%%:*}" $LAB_ROOTFS"${_f#*:}" || return 1
	done
	mkdir -p /lab/libvirt-drivers &&
		cp $_b/libvirt_driver_qemu.so /lab/libvirt-drivers/ &&
		mount --bind /lab/libvirt-drivers $LAB_ROOTFS$_lib/libvirt/connection-driver || return 1
	lab_rootfs libvirtd --version && lab_rootfs virsh --version
}
lab_check "the built libvirt (patches/libvirt) runs in the Debian root" built_libvirt || exit 1
t=$(date +%s)
lab_check "start virtlogd and libvirtd" lab_libvirtd_start || exit 1
lab_diag "libvirtd answered after $(($(date +%s) - t)) s"

# vCPU 0 on node 0's first CPU, vCPU 1 on node 1's; the lab's L2 line
# (into XML and a sed replacement: no markup or sed specials).
kargs=$(lab_l2_kargs)
case $kargs in
*[\&\|\<\>\\]*)
	lab_not_ok "L2's command line fits l2.xml" "--l2-append '$LAB_L2_APPEND' has & | < > or \\"
	exit 1 ;;
esac
n0=$(lab_node_cpu 0)
n1=$(lab_node_cpu 1)
sed -e "s|<vcpupin vcpu='0' cpuset='[^']*'/>|<vcpupin vcpu='0' cpuset='$n0'/>|" \
	-e "s|<vcpupin vcpu='1' cpuset='[^']*'/>|<vcpupin vcpu='1' cpuset='$n1'/>|" \
	-e "s|</cmdline>| $kargs</cmdline>|" $x >/tmp/l2.xml

# libvirt owns L2's QEMU: note its PID for the lab's helpers, follow its
# console (a file) to the harness, and say when it is gone.
l2_follow() {
	lab_wait_for 30 test -s $LAB_ROOTFS/run/libvirt/qemu/l2.pid || return 1
	cp $LAB_ROOTFS/run/libvirt/qemu/l2.pid /tmp/l2.pid
	_pid=$(cat /tmp/l2.pid)
	rm -f /tmp/l2.rc
	(
		while [ -d /proc/"$_pid" ]; do sleep 0.5; done
		[ -f /tmp/l2.saving ] || echo "gone" >/tmp/l2.rc
	) </dev/null >/dev/null 2>&1 &
}
rm -f /tmp/l2.log /tmp/l2.out /tmp/l2.rc /tmp/l2.bootfail /tmp/l2.tailed /tmp/l2.saving
: >/tmp/l2.log
: >/tmp/l2.out
lab_l2_relay

# xpv_off CMD...: CMD's output and status while the root reads N in
# kvm's xpv parameter, as on a host booted with kvm.xpv=0 (a file bound
# over it for the moment).
xpv_off() {
	_p=$LAB_ROOTFS/sys/module/kvm/parameters/xpv
	echo N >/tmp/xpv-off
	mount --bind /tmp/xpv-off "$_p" || return 1
	"$@" 2>&1
	_rc=$?
	umount "$_p"
	return $_rc
}

# A host whose KVM does not offer XPV: libvirt refuses the domain before
# QEMU starts, naming XPV.
refused() {
	_out=$(xpv_off lab_virsh create /tmp/l2.xml)
	_rc=$?
	echo "$_out"
	[ $_rc -ne 0 ] && echo "$_out" | grep -q "XPV.*turned off in this host's KVM" &&
		! lab_virsh domid l2 >/dev/null 2>&1
}
lab_check "virsh create refused while the host's KVM says xpv N, naming XPV" refused

# virsh domcapabilities says whether a KVM domain can have XPV here:
# yes, and no while the root reads N.
domcaps_xpv() {
	lab_virsh domcapabilities --emulatorbin /usr/local/bin/qemu-system-x86_64 \
		--virttype kvm --arch x86_64 --machine pc | grep -o "<xpv supported='[a-z]*'/>"
}
caps_off() { _out=$(xpv_off domcaps_xpv); echo "$_out"; [ "$_out" = "<xpv supported='no'/>" ]; }
caps_on() { _out=$(domcaps_xpv); echo "$_out"; [ "$_out" = "<xpv supported='yes'/>" ]; }
lab_check "virsh domcapabilities (KVM): <xpv supported='yes'/>" caps_on
lab_check "virsh domcapabilities (KVM) while the root reads xpv N: <xpv supported='no'/>" caps_off

t=$(date +%s)
lab_check "virsh create: L2 from domain XML" lab_virsh create /tmp/l2.xml || exit 1
lab_diag "virsh create took $(($(date +%s) - t)) s"
lab_check "libvirt runs L2's QEMU" l2_follow || exit 1
lab_virsh list --all | sed 's/^/XPVLAB # L1:   virsh list: /'
tr '\0' ' ' </proc/"$(lab_l2_pid)"/cmdline | sed 's/^/XPVLAB # L1:   QEMU: /'
echo
# -cpu qemu64,kvmclock=on,kvm-xpv=on (the clock's kvmclock timer too)
cpu_arg() {
	tr '\0' '\n' </proc/"$(lab_l2_pid)"/cmdline | grep -Eq '^qemu64(,[^,]+)*,kvm-xpv=on(,|$)'
}
lab_check "libvirt passed <kvm><xpv state='on'/> to QEMU as -cpu qemu64,...,kvm-xpv=on" cpu_arg

# 1. The initial view: L2's sysfs = query-xpv through virsh = L1's threads.
lab_check "L2 reported its view" lab_l2_wait_line 240 '^XPVSYNC view'
view=" $(grep -m1 '^XPVSYNC view' /tmp/l2.out | tr -d '\r') "
lab_diag "L2 says:$view"
for v in 0 1; do
	tid=$(lab_vcpu_tid $v)
	node=$(lab_cpu_node "$(lab_thread_cpu "$tid")")
	mine=$(lab_view_pnode "$view" $v)
	lab_check "vCPU $v: L2 reads pnode $mine, L1 runs its thread on node $node, query-xpv (virsh) says $(lab_xpv_vcpu_pnode $v)" \
		test -n "$mine" -a "$mine" = "$node" -a "$(lab_xpv_vcpu_pnode $v)" = "$mine"
done
# <numatune> interleave 0-1: L2's memory is on both pnodes, and L2 reads
# the same split as query-xpv reports (2 MiB chunks; 4 chunks' leeway).
mem=$(grep -m1 '^XPVSYNC mem ' /tmp/l2.out | tr -d '\r')
for p in 0 1; do
	g=$(echo "$mem" | sed -n "s/.* p$p=\([0-9]*\).*/\1/p")
	h=$(lab_xpv_pnode_kb $p)
	lab_check "memory on pnode $p: L2 reads $g kB, query-xpv says $h kB (numatune interleave)" \
		test "${g:-0}" -gt 0 -a "$((g - h))" -le 8192 -a "$((h - g))" -le 8192
done
# virsh domstats --xpv (patches/libvirt) reports what query-xpv does
# (read one after the other: a chunk L2 touches between them may change
# the memory, so the pair is read again for up to 30 s).
lab_virsh domstats --xpv l2 | sed 's/^/XPVLAB # L1:   domstats: /'
domstat() { lab_virsh domstats --xpv l2 | sed -n "s/^ *xpv\.$1=//p"; }
same_vcpu() {
	_d=$(domstat "vcpu\.$1\.pnode")
	_q=$(lab_xpv_vcpu_pnode "$1")
	echo "xpv.vcpu.$1.pnode ${_d:-none}, query-xpv ${_q:-none}"
	[ -n "$_d" ] && [ "$_d" = "$_q" ]
}
same_bytes() {
	_d=$(domstat "pnode\.$1\.bytes")
	_q=$(lab_xpv_pnode_kb "$1")
	echo "xpv.pnode.$1.bytes ${_d:-none}, query-xpv $_q kB"
	[ -n "$_d" ] && [ "$((_d / 1024))" = "$_q" ]
}
for v in 0 1; do
	lab_check "virsh domstats --xpv: vCPU $v's pnode as query-xpv says" \
		lab_wait_output 30 same_vcpu $v
done
for p in 0 1; do
	lab_check "virsh domstats --xpv: the memory on pnode $p as query-xpv says" \
		lab_wait_output 30 same_bytes $p
done
flags() { [ "$(domstat enabled)" = yes ] && [ "$(domstat registered)" = yes ] && [ "$(domstat version)" -ge 1 ]; }
lab_check "virsh domstats --xpv: xpv.enabled, xpv.registered yes, xpv.version >= 1" flags
lab_diag "virsh qemu-monitor-command l2 '{\"execute\":\"query-xpv\"}':"
lab_virsh qemu-monitor-command l2 '{"execute":"query-xpv"}' | sed 's/^/XPVLAB # L1:   /'
xpvctl() { lab_rootfs /lab/bin/xpvctl "$@"; }
xpvctl show l2 | sed 's/^/XPVLAB # L1:   xpvctl show: /'
xpvctl list | sed 's/^/XPVLAB # L1:   xpvctl list: /'
listed() { xpvctl list | grep -Eq '^l2 +[0-9]+ +[1-9][0-9]* +\(libvirt\)'; }
lab_check "xpvctl list: l2 is an XPV VM run by libvirt" listed
shows() { xpvctl show l2 | grep -q "^pnode $1: .*vCPUs.* $2"; }
lab_check "xpvctl show (through virsh): vCPU 1 on pnode 1" shows 1 1

# 2. xpvctl moves vCPU 1 to node 0 through libvirt; L2 sees it.
lab_check "L2 is waiting for vCPU 1 to move" lab_l2_wait_line 120 '^XPVSYNC armed cpu=1 pnode=1'
lab_check "xpvctl vcpu l2 1 0" xpvctl vcpu l2 1 0
pinned() { lab_virsh vcpupin l2 "$1" | grep -Eq "^ *$1 +$2\$"; }
lab_check "libvirt knows: virsh vcpupin l2 1 is node 0's CPUs" \
	pinned 1 "$(cat /sys/devices/system/node/node0/cpulist)"
lab_check "L2 saw vCPU 1 move" lab_l2_wait_line 120 '^XPVSYNC moved'
lab_check "query-xpv (virsh) after the move: vCPU 1 on pnode 0" \
	test "$(lab_xpv_vcpu_pnode 1)" = 0
lab_check "virsh domstats --xpv after the move: xpv.vcpu.1.pnode 0" \
	test "$(domstat 'vcpu\.1\.pnode')" = 0

# 3. virsh save / virsh restore (libvirt migrates to a file and back).
lab_check "L2 waits for the restore" lab_l2_wait_line 120 '^XPVSYNC save'
: >/tmp/l2.saving
t=$(date +%s)
lab_check "virsh save l2" lab_virsh save l2 /tmp/l2.save
lab_diag "virsh save took $(($(date +%s) - t)) s, $(($(wc -c </tmp/l2.save) >> 20)) MiB"
gone() { ! lab_virsh domid l2 >/dev/null 2>&1; }
lab_check "L2 is gone after the save" gone
t=$(date +%s)
lab_check "virsh restore" lab_virsh restore /tmp/l2.save
lab_diag "virsh restore took $(($(date +%s) - t)) s"
rm -f /tmp/l2.saving /tmp/l2.save
lab_check "libvirt runs the restored QEMU" l2_follow
lab_check "the restored QEMU has -cpu qemu64,...,kvm-xpv=on" cpu_arg
published() { [ "$(lab_kvm_stat xpv_updates)" -ge 1 ]; }
lab_check "the restored KVM published the topology" lab_wait_for 60 published
lab_diag "restored KVM: xpv_updates $(lab_kvm_stat xpv_updates), xpv_notifications $(lab_kvm_stat xpv_notifications)"
lab_check "L2 was told after the restore and waits for vCPU 1 to move back" \
	lab_l2_wait_line 300 '^XPVSYNC armed cpu=1 pnode=0'
lab_check "xpvctl vcpu l2 1 1 after the restore" xpvctl vcpu l2 1 1
lab_check "L2 finished its checks" lab_l2_wait_line 120 '^XPVSYNC checked'
lab_check "query-xpv (virsh): vCPU 1 back on pnode 1" test "$(lab_xpv_vcpu_pnode 1)" = 1
lab_check "virsh destroy l2" lab_virsh destroy l2
lab_l2_relay_stop
