// SPDX-License-Identifier: GPL-2.0
/*
 * xpv_pages_test: the host node ("pnode") of this guest's pages, as the
 * XPV host publishes it, through get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR
 * | MPOL_F_PNODE).  Runs inside a guest with XPV active.
 *
 *   xpv_pages_test [MIB [WAIT [HOLD]]]
 *
 * Touches MIB MiB (default 64), waits up to WAIT seconds (default 0)
 * for the host to change the topology (a test on the host moves the
 * memory after "XPVSYNC pages touched") and for the map to settle, then
 * asks every page's pnode.  It prints the pages as ranges of guest page frames,
 * "XPVPAGES <first pfn> <count> <pnode>", for the host to compare with
 * where it really keeps them, and keeps the memory HOLD seconds
 * (default 0) for that.  Needs CAP_SYS_ADMIN for the page frames.  In a
 * guest without XPV it checks that the flag is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#include "../kselftest.h"
#include "xpv_util.h"

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int wait = argc > 2 ? atoi(argv[2]) : 0;
	int hold = argc > 3 ? atoi(argv[3]) : 0;
	long psize = sysconf(_SC_PAGESIZE), nr_pnodes, v0, v, p;
	unsigned long n, i, unknown, bad, count[64] = { 0 };
	struct page_pnode *pages;
	int *pn, reading, stable;
	double t0, deadline;
	char *buf, *hole;
	int fd;

	ksft_print_header();
	nr_pnodes = read_sysfs("nr_pnodes");
	if (nr_pnodes <= 0) {
		/* No XPV here (or xpv=off): the flag is refused, not ignored. */
		ksft_set_plan(1);
		ksft_test_result(get_pnode(&mib, PNODE_FLAGS) == -EOPNOTSUPP,
				 "without XPV (no %s), MPOL_F_PNODE: EOPNOTSUPP\n",
				 XPV_SYSFS);
		ksft_finished();
	}
	if (!mib || mib > 4096)
		ksft_exit_fail_msg("MIB must be 1..4096\n");
	ksft_set_plan(8);

	n = (mib << 20) / psize;
	buf = mmap(NULL, n * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pages = calloc(n, sizeof(*pages));
	pn = calloc(n, sizeof(*pn));
	if (buf == MAP_FAILED || !pages || !pn)
		ksft_exit_fail_msg("cannot allocate %lu MiB\n", mib);

	/* The flag's rules. */
	ksft_test_result(get_pnode(buf, MPOL_F_PNODE) == -EINVAL &&
			 get_pnode(buf, MPOL_F_PNODE | MPOL_F_ADDR) == -EINVAL &&
			 get_pnode(buf, PNODE_FLAGS | MPOL_F_MEMS_ALLOWED) == -EINVAL,
			 "MPOL_F_PNODE other than with exactly MPOL_F_NODE | MPOL_F_ADDR: EINVAL\n");
	hole = mmap(NULL, psize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ksft_test_result(hole != MAP_FAILED && !munmap(hole, psize) &&
			 get_pnode(hole, PNODE_FLAGS) == -EFAULT,
			 "an unmapped address: EFAULT\n");

	for (i = 0; i < n; i++)
		buf[i * psize] = 1;
	/* Our own tables too: their first touch would change the map later. */
	memset(pages, 0, n * sizeof(*pages));
	memset(pn, 0, n * sizeof(*pn));

	/* The host publishes first-touched chunks within about 100 ms. */
	t0 = now();
	unknown = wait_known(buf, n, psize, 30);
	ksft_test_result(!unknown, "every touched page has a pnode after %.1f s (%lu unknown)\n",
			 now() - t0, unknown);
	/* Only then may the host change it: a change is not first touch. */
	v0 = settle(3, 60);
	printf("XPVSYNC pages touched %lu MiB version=%ld\n", mib, v0);
	fflush(stdout);

	if (wait > 0) {
		deadline = now() + wait;
		while (read_sysfs("version") == v0 && now() < deadline)
			usleep(100000);
		v = read_sysfs("version");
		ksft_test_result(v > v0, "the host changed the topology: version %ld -> %ld\n",
				 v0, v);
	} else {
		ksft_test_result_skip("no host change asked for (WAIT 0)\n");
	}
	/*
	 * Pages being migrated are unknown until the host sees them again;
	 * ours are all present, so wait for that first.
	 */
	wait_known(buf, n, psize, 120);
	/*
	 * A reading is one snapshot only if the version held across it.
	 * The host keeps rechecking moved memory for a while after a
	 * migration, and the guest's first touches elsewhere are published
	 * too: read again when it changed, 5 readings at most.
	 */
	for (reading = 1; ; reading++) {
		v = settle(3, 120);
		memset(count, 0, sizeof(count));
		fd = open("/proc/self/pagemap", O_RDONLY);
		for (i = 0, bad = 0; i < n; i++) {
			p = get_pnode(buf + i * psize, PNODE_FLAGS);
			if (p < 0 || p >= nr_pnodes || p >= 64) {
				if (bad++ < 5)
					ksft_print_msg("page %lu: pnode %ld\n", i, p);
				p = -1;
			} else {
				count[p]++;
			}
			pages[i].pfn = page_frame(fd, buf + i * psize, psize);
			pages[i].pnode = p;
			pn[i] = p;
		}
		if (fd >= 0)
			close(fd);
		stable = read_sysfs("version") == v;
		if (stable || reading == 5)
			break;
		ksft_print_msg("version %ld -> %ld while reading: reading again\n",
			       v, read_sysfs("version"));
	}
	ksft_test_result(!bad, "every page has a valid pnode (< %ld), %lu do not\n",
			 nr_pnodes, bad);
	for (i = 0, unknown = 0; i < n; i++)
		unknown += !pages[i].pfn;
	ksft_test_result(!unknown,
			 "/proc/self/pagemap gives every page's frame (%lu missing)\n",
			 unknown);
	ksft_test_result(stable,
			 "the topology did not change while the pages were read (version %ld, reading %d)\n",
			 v, reading);
	for (p = 0; p < nr_pnodes && p < 64; p++)
		ksft_print_msg("pnode %ld: %lu pages (%lu MiB)\n", p, count[p],
			       count[p] * psize >> 20);

	/* The same pages, as frame ranges, for the host to check. */
	print_page_ranges(pages, n);
	printf("XPVSYNC pages ready version=%ld\n", v);
	fflush(stdout);
	if (hold > 0)
		sleep(hold);
	/* Held still, nothing moved: the answers must be the same. */
	for (i = 0, bad = 0; i < n; i++)
		bad += get_pnode(buf + i * psize, PNODE_FLAGS) != pn[i];
	ksft_test_result(!bad, "after %d s every page is on the same pnode (%lu not)\n",
			 hold, bad);
	ksft_finished();
}
