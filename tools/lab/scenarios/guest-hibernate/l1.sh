# XPV across hibernation.  L2 (kvm-xpv=on, vCPU 0 on L1 node 0, vCPU 1
# on node 1) hibernates to a swap disk and powers off.  L1 starts a VM
# with XPV on the same disk, with the vCPUs' nodes swapped; its fresh
# kernel restores the image.  The restored guest must register again
# (the host goes on from the version its area holds, so the version
# moves on) and see the swap.  It hibernates again, and L1 restores it in
# a VM without kvm-xpv=on, whose KVM takes no registration: the guest
# must drop its view (no pnodes, NUMA balancing off, the vDSO's version
# moved on, with no CPU on a pnode) and keep running.
img=/tmp/l2.swap
disk="-drive file=$img,format=raw,if=virtio"
xpv_cpu="$LAB_L2_CPU,kvm-xpv=on"
plain_cpu=$LAB_L2_CPU
# hib_off reads "PM: Image saving done", an info line, on L2's console:
# every line there (lab.sh, LAB_L2_LOGLEVEL)
LAB_L2_LOGLEVEL=

# hib_off: L2 wrote its image and powered off, its script not ended.
hib_off() {
	lab_l2_wait || return 1
	grep 'PM: .*Wrote .* kbytes\|PM: Image saving done' /tmp/l2.log | tr -d '\r'
	grep -q 'PM: Image saving done' /tmp/l2.log || {
		echo "no \"PM: Image saving done\" on L2's console"
		return 1
	}
	! grep -q '^XPVLAB done L2' /tmp/l2.out || {
		echo "L2's scenario ended: it did not hibernate"
		return 1
	}
}

lab_check "a 256 MiB disk for L2's swap" sh -c "rm -f $img && truncate -s 256M $img"
LAB_L2_CPU=$xpv_cpu
lab_l2_start_apart $disk
lab_check "L2 hibernates (XPV on)" lab_l2_wait_line 600 '^XPVSYNC hib going 1'
lab_check "L2 wrote its image and powered off" hib_off

# The same L2, restored in a VM with XPV whose vCPUs' nodes are swapped.
LAB_L2_APPEND="$LAB_L2_APPEND xpvhib=restore"
lab_l2_start -name l2,debug-threads=on -S $disk
lab_check "L2's vCPU threads are up" lab_wait_for 60 lab_vcpu_tid 1
lab_check "pin vCPU 0 to node 1, vCPU 1 to node 0" lab_l2_pin_apart 1 0
lab_check "QMP: let L2 run" lab_wait_for 30 lab_qmp '{"execute":"cont"}'
lab_check "L2 is restored, with XPV" lab_l2_wait_line 600 '^XPVSYNC hib back 1'
lab_check "L2 hibernates again" lab_l2_wait_line 600 '^XPVSYNC hib going 2'
lab_check "L2 wrote its image and powered off" hib_off

# Restored in a VM without XPV: L1's KVM refuses the registration.
LAB_L2_CPU=$plain_cpu
lab_l2_start -name l2 $disk
lab_check "L2 is restored, without XPV" lab_l2_wait_line 600 '^XPVSYNC hib back 2'
lab_check "L2 ran to completion" lab_l2_done
rm -f $img
