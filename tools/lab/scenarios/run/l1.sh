# Run a user's L2 workload: start L2, wait for it, report.  Give the
# workload with --l2-script (and its files with --l2-file); an --l1-script
# replaces this file.
lab_l2_start
lab_check "L2 ran to completion" lab_l2_wait
lab_check "L2 completed its script" grep -q "XPVLAB done L2" /tmp/l2.out
