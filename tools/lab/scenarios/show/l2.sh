lab_diag "L2: $(nproc) vCPUs, $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
lab_check "L2 runs under KVM" sh -c 'dmesg | grep "Hypervisor detected: KVM"'
