# L2 half of the libvirt scenario (see l1.sh).
x=/sys/devices/system/xpv

# libvirt pins vCPU 0 to L1 node 0 and vCPU 1 to node 1.
lab_check "vCPU 0 reads pnode 0 and vCPU 1 pnode 1 (libvirt's vcpupin)" \
	lab_wait_for 120 lab_pnodes_apart
both() { [ "$(lab_pnode_kb 0)" -gt 0 ] && [ "$(lab_pnode_kb 1)" -gt 0 ]; }
lab_check "memory on both pnodes (libvirt's numatune interleave)" lab_wait_for 120 both
sleep 3
echo "XPVSYNC mem p0=$(lab_pnode_kb 0) p1=$(lab_pnode_kb 1)"
xpv-guest-test view
xpv-guest-test wait-move 1 0 120
echo "XPVSYNC moved"

v0=$(cat $x/version)
i0=$(lab_xpv_interrupts)
echo "XPVSYNC save version=$v0"
# L1 saves this VM and restores it: the restored host republishes.
newer() { [ "$(cat $x/version)" -gt "$v0" ] && [ "$(lab_xpv_interrupts)" -gt "$i0" ]; }
lab_check "after the restore: version and interrupts went up" lab_wait_for 400 newer
lab_diag "version $v0 -> $(cat $x/version), xpv_interrupts $i0 -> $(lab_xpv_interrupts)"
xpv-guest-test wait-move 1 1 120
lab_check "no malformed area seen" grep -qx 'xpv_malformed 0' /proc/vmstat
echo "XPVSYNC checked"
sleep 600	# L1 destroys this VM
