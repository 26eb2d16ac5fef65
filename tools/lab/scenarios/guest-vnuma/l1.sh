# XPV in a guest that also has static vNUMA (QEMU -numa): guest node 0
# has vCPU 0 and 320 MiB first placed on L1 node 0, guest node 1 has
# vCPU 1 and 192 MiB on L1 node 1.  Once L2 is up, L1 moves every other
# 2 MiB chunk of guest node 0's memory (QEMU's largest mapping) to node
# 1, so guest node 0 lies on both pnodes and guest node 1 on pnode 1
# only.  The guest selftest xpv_cpuset_test then has a child in a
# cpuset of guest node 1 map page cache that lies on guest node 0, and
# moves the child's pages from pnode 0 to pnode 1 with
# move_pages(MPOL_MF_PNODES): each copy must land on guest node 1, the
# only one the child's cpuset allows, though guest node 0 has pnode 1
# memory too.
LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
LAB_L2_MEM=512
# One socket per guest node: cores of one socket share a cache, which
# the guest kernel refuses (with a warning) across nodes.
LAB_L2_CPUS=2,sockets=2,cores=1,threads=1

lab_l2_start_apart \
	-object memory-backend-ram,id=m0,size=320M,policy=bind,host-nodes=0,prealloc=on \
	-object memory-backend-ram,id=m1,size=192M,policy=bind,host-nodes=1,prealloc=on \
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1
lab_check "L2 is up with two guest nodes" lab_l2_wait_line 300 '^XPVSYNC vnuma up'
lab_diag "L2 is process $(lab_l2_pid): $(grep -E '^(State|Threads):' /proc/"$(lab_l2_pid)"/status | tr '\n\t' '  ')"
lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of guest node 0's RAM to node 1" \
	xpv-pagecheck stripe "$(lab_l2_pid)" 1
lab_check "L2 ran to completion" lab_l2_done
