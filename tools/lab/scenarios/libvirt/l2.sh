# L2 half of the libvirt scenario (see l1.sh).
x=/sys/devices/system/xpv
kb() { sed 's/.*MemTotal: *\([0-9]*\) kB/\1/' $x/pnode"$1"/meminfo; }
placed() { grep -qx 0 $x/pnode0/cpulist && grep -qx 1 $x/pnode1/cpulist; }
irqs() { awk '$1 == "xpv_interrupts" {print $2}' /proc/vmstat; }

# libvirt pins vCPU 0 to L1 node 0 and vCPU 1 to node 1.
lab_check "vCPU 0 reads pnode 0 and vCPU 1 pnode 1 (libvirt's vcpupin)" \
	lab_wait_for 120 placed
both() { [ "$(kb 0)" -gt 0 ] && [ "$(kb 1)" -gt 0 ]; }
lab_check "memory on both pnodes (libvirt's numatune interleave)" lab_wait_for 120 both
sleep 3
echo "XPVSYNC mem p0=$(kb 0) p1=$(kb 1)"
xpv-guest-test view
xpv-guest-test wait-move 1 0 120
echo "XPVSYNC moved"

v0=$(cat $x/version)
i0=$(irqs)
echo "XPVSYNC save version=$v0"
# L1 saves this VM and restores it: the restored host republishes.
newer() { [ "$(cat $x/version)" -gt "$v0" ] && [ "$(irqs)" -gt "$i0" ]; }
lab_check "after the restore: version and interrupts went up" lab_wait_for 400 newer
lab_diag "version $v0 -> $(cat $x/version), xpv_interrupts $i0 -> $(irqs)"
xpv-guest-test wait-move 1 1 120
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
echo "XPVSYNC checked"
sleep 600	# L1 destroys this VM
