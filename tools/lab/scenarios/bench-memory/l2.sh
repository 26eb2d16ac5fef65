# L2 half of bench-memory: touch most of its memory, so that the storm
# moves pages that exist, then idle while L1 moves them around.
lab_check "XPV is active" lab_wait_for 60 test -d /sys/devices/system/xpv/pnode0
lab_check "192 MiB of tmpfs filled" \
	dd if=/dev/zero of=/dev/shm/fill bs=1M count=192 status=none
echo "XPVSYNC ready"
sleep 900
