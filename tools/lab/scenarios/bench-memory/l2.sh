# L2 half of bench-memory: idle while L1 moves this VM's memory.
lab_check "XPV is active" lab_wait_for 60 test -d /sys/devices/system/xpv/pnode0
echo "XPVSYNC ready"
sleep 900
