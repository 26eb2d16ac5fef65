// SPDX-License-Identifier: GPL-2.0
/*
 * xpv_policy_test: memory policies and move_pages(2) on pnodes (host NUMA
 * nodes) in a guest with XPV active.
 *
 *   xpv_policy_test [MIB [CPU [WAIT]]]
 *
 * Pinned to CPU (default 0) on pnode P, with Q another pnode:
 *  - set_mempolicy()/mbind() with MPOL_F_PNODES refuse what they cannot
 *    do, and get_mempolicy() reports a pnode policy as it was set;
 *  - mbind(MPOL_BIND | MPOL_F_PNODES, {Q}) on MIB MiB (default 64): every
 *    page lands on Q ("XPVSYNC policy 1 listed pnode=Q");
 *  - MIB MiB more bound the same way: move_pages(MPOL_MF_PNODES) reports
 *    Q for each page, then moves them all to P ("XPVSYNC policy 2
 *    listed pnode=P");
 *  - set_mempolicy(MPOL_PREFERRED | MPOL_F_PNODES, {Q}): 16 MiB on Q;
 *    MPOL_INTERLEAVE over all pnodes: 16 MiB spread evenly;
 *  - 16 MiB allocated on P, in huge pages (at least one, each on one
 *    pnode), then mbind(MPOL_BIND | MPOL_F_PNODES, {Q}, MPOL_MF_MOVE): all on Q
 *    ("XPVSYNC policy 3 listed pnode=Q").
 * Before each "listed" line come the pages as "XPVPAGES <first pfn>
 * <count> <pnode>" lines for a test on the host to check where it really
 * keeps them.  The listed memory stays as it is until the test ends,
 * which after "XPVSYNC policy done" waits up to WAIT seconds (default
 * 0) for the host to say it has looked, by moving CPU to another pnode.
 * Needs CAP_SYS_ADMIN for the page frames; the guest needs two pnodes.
 *
 *   xpv_policy_test gone PNODE MIB WAIT
 *
 * A policy that outlives its pnode: with set_mempolicy(MPOL_BIND |
 * MPOL_F_PNODES, {PNODE}), MIB MiB are allocated; "XPVSYNC policy gone
 * armed pnode=PNODE" says so, and the test waits up to WAIT seconds for
 * the topology to lose PNODE (the VM restored on a host with fewer
 * nodes).  Then MIB MiB more, under the same policy, must be allocated
 * (no fault, no OOM kill) and counted in /proc/vmstat xpv_policy_gone.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/kernel-page-flags.h>

#include "../kselftest.h"
#include "xpv_util.h"

#define MAX_PNODES	64
/* Bits of the masks passed to the kernel, + 1 as the syscalls want */
#define MAXNODE		(8 * sizeof(unsigned long) + 1)

static long psize, nr_pnodes;

static long sys_set_mempolicy(int mode, unsigned long mask)
{
	return syscall(__NR_set_mempolicy, mode, &mask, MAXNODE) ? -errno : 0;
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      unsigned long mask, unsigned int flags)
{
	return syscall(__NR_mbind, addr, len, mode, &mask, MAXNODE, flags) ?
	       -errno : 0;
}

/* move_pages(2) on pnodes of @n pages at @buf; @nodes NULL: query. */
static long sys_move_pnodes(char *buf, unsigned long n, int *nodes,
			    int *status)
{
	return move_pages_of(0, buf, n, psize, nodes, status,
			     MPOL_MF_PNODES | (nodes ? MPOL_MF_MOVE : 0));
}

static char *new_mapping(unsigned long n)
{
	char *buf = mmap(NULL, n * psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		ksft_exit_fail_msg("cannot map %lu pages\n", n);
	return buf;
}

static void touch(char *buf, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		buf[i * psize] = 1;
}

/*
 * Count the pages at @buf per pnode (get_mempolicy(MPOL_F_PNODE)) into
 * @count (index MAX_PNODES: unknown), and with @pages fill in their
 * frames.  Returns the pages on @want.
 */
static unsigned long count_pnodes(char *buf, unsigned long n, int want,
				  unsigned long *count,
				  struct page_pnode *pages)
{
	int fd = pages ? open("/proc/self/pagemap", O_RDONLY) : -1;
	unsigned long i;
	long p;

	memset(count, 0, (MAX_PNODES + 1) * sizeof(*count));
	for (i = 0; i < n; i++) {
		p = get_pnode(buf + i * psize, PNODE_FLAGS);
		if (p < 0 || p >= MAX_PNODES)
			p = MAX_PNODES;
		count[p]++;
		if (pages) {
			pages[i].pfn = page_frame(fd, buf + i * psize, psize);
			pages[i].pnode = p == MAX_PNODES ? -1 : p;
		}
	}
	if (fd >= 0)
		close(fd);
	for (p = 0; p < nr_pnodes && p < MAX_PNODES; p++)
		if (count[p])
			ksft_print_msg("  pnode %ld: %lu pages\n", p, count[p]);
	if (count[MAX_PNODES])
		ksft_print_msg("  unknown pnode: %lu pages\n", count[MAX_PNODES]);
	return want >= 0 && want < MAX_PNODES ? count[want] : 0;
}

/*
 * The pages at @buf that are part of transparent huge pages (by
 * /proc/kpageflags); *@mixed counts the huge pages whose base pages are
 * not all on one pnode.
 */
static unsigned long thp_pages(char *buf, unsigned long n,
			       unsigned long *mixed)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	unsigned long i, thp = 0, per = (2UL << 20) / psize;
	long first = -2, p;
	uint64_t pfn, flags;

	*mixed = 0;
	for (i = 0; i < n && pm >= 0 && kf >= 0; i++) {
		pfn = page_frame(pm, buf + i * psize, psize);
		flags = 0;
		if (!pfn || pread(kf, &flags, sizeof(flags), pfn * sizeof(flags)) !=
		    sizeof(flags) || !(flags & (1ULL << KPF_THP)))
			continue;
		thp++;
		/* The base pages of a PMD huge page: one 2 MiB frame range */
		p = get_pnode(buf + i * psize, PNODE_FLAGS);
		if (pfn % per == 0)
			first = p;
		else if (p != first)
			(*mixed)++;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return thp;
}

/* Transparent huge pages are on for MADV_HUGEPAGE ranges. */
static int thp_on(void)
{
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	return mode[0] && !strstr(mode, "[never]");
}

/* Tell the host where @n pages at @buf are, as section @k. */
static void list_for_host(int k, char *buf, unsigned long n, int pnode)
{
	unsigned long count[MAX_PNODES + 1];
	struct page_pnode *pages = calloc(n, sizeof(*pages));

	if (!pages)
		ksft_exit_fail_msg("out of memory\n");
	count_pnodes(buf, n, pnode, count, pages);
	print_page_ranges(pages, n);
	printf("XPVSYNC policy %d listed pnode=%d\n", k, pnode);
	fflush(stdout);
	free(pages);
}

/* Bad pnode policies are refused, each with its error. */
static void refusals(int q)
{
	unsigned long all = (1UL << nr_pnodes) - 1;
	int mode = -1, status = 0, node = nr_pnodes;
	unsigned long mask = 0;
	char *buf = new_mapping(1);
	struct {
		const char *what;
		long got, want;
	} c[] = {
		{ "a pnode that does not exist",
		  sys_set_mempolicy(MPOL_BIND | MPOL_F_PNODES, 1UL << nr_pnodes),
		  -EINVAL },
		{ "an empty pnode mask",
		  sys_set_mempolicy(MPOL_PREFERRED | MPOL_F_PNODES, 0), -EINVAL },
		{ "with MPOL_F_STATIC_NODES",
		  sys_set_mempolicy(MPOL_BIND | MPOL_F_PNODES |
				    MPOL_F_STATIC_NODES, 1UL << q), -EINVAL },
		{ "MPOL_LOCAL on pnodes",
		  sys_set_mempolicy(MPOL_LOCAL | MPOL_F_PNODES, 0), -EINVAL },
		{ "MPOL_WEIGHTED_INTERLEAVE on pnodes",
		  sys_set_mempolicy(MPOL_WEIGHTED_INTERLEAVE | MPOL_F_PNODES, all),
		  -EINVAL },
		{ "mbind() on a pnode that does not exist",
		  sys_mbind(buf, psize, MPOL_BIND | MPOL_F_PNODES,
			    1UL << nr_pnodes, 0), -EINVAL },
		{ "move_pages() to a pnode that does not exist",
		  (buf[0] = 1, sys_move_pnodes(buf, 1, &node, &status)),
		  -ENODEV },
	};
	unsigned int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		if (c[i].got == c[i].want)
			continue;
		ksft_print_msg("%s: got %ld, not %ld\n", c[i].what, c[i].got,
			       c[i].want);
		bad++;
	}
	ksft_test_result(!bad, "%u bad pnode policies and moves are refused with EINVAL/ENODEV\n",
			 i);

	/* A good one reads back as it was set, then the default again. */
	if (sys_set_mempolicy(MPOL_BIND | MPOL_F_PNODES, 1UL << q) ||
	    syscall(__NR_get_mempolicy, &mode, &mask, MAXNODE, NULL, 0))
		mode = -errno;
	ksft_test_result(mode == (MPOL_BIND | MPOL_F_PNODES) &&
			 mask == 1UL << q,
			 "get_mempolicy() reports MPOL_BIND | MPOL_F_PNODES on {%d} (mode %#x, mask %#lx)\n",
			 q, mode, mask);
	sys_set_mempolicy(MPOL_DEFAULT, 0);
	munmap(buf, psize);
}

/* Map @n pages bound to pnode @q (base pages: see move_pages below). */
static char *bound_mapping(unsigned long n, int q, long *r)
{
	char *buf = new_mapping(n);

	madvise(buf, n * psize, MADV_NOHUGEPAGE);
	*r = sys_mbind(buf, n * psize, MPOL_BIND | MPOL_F_PNODES, 1UL << q, 0);
	touch(buf, n);
	return buf;
}

static void test_gone(int pnode, unsigned long mib, int wait)
{
	unsigned long n = (mib << 20) / psize, mask = 1UL << pnode;
	long gone, nr = nr_pnodes;
	double end;
	char *buf;

	ksft_set_plan(3);
	ksft_test_result(!sys_set_mempolicy(MPOL_BIND | MPOL_F_PNODES, mask),
			 "set_mempolicy(MPOL_BIND | MPOL_F_PNODES, {%d}) of %ld pnodes\n",
			 pnode, nr);
	touch(new_mapping(n), n);
	printf("XPVSYNC policy gone armed pnode=%d\n", pnode);
	fflush(stdout);
	for (end = now() + wait; nr > pnode && now() < end; usleep(100000))
		nr = read_sysfs("nr_pnodes");
	ksft_test_result(nr <= pnode,
			 "the topology lost pnode %d (%ld pnodes now) within %d s\n",
			 pnode, nr, wait);
	if (nr > pnode) {
		ksft_test_result_fail("pnode %d still there: no allocation under its policy\n",
				      pnode);
		return;
	}
	gone = read_vmstat("xpv_policy_gone");
	buf = new_mapping(n);
	touch(buf, n);
	gone = read_vmstat("xpv_policy_gone") - gone;
	ksft_test_result(gone >= (long)n,
			 "%lu MiB more under the policy of the gone pnode %d: allocated, %ld pages counted in xpv_policy_gone (%lu at least)\n",
			 mib, pnode, gone, n);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	int wait = argc > 3 ? atoi(argv[3]) : 0;
	unsigned long n, m, i, on, count[MAX_PNODES + 1], bad;
	int *nodes, *status, p, q;
	char *buf, *buf2;
	cpu_set_t set;
	double end;
	long r;

	ksft_print_header();
	psize = sysconf(_SC_PAGESIZE);
	nr_pnodes = read_sysfs("nr_pnodes");
	if (nr_pnodes <= 0)
		ksft_exit_skip("XPV is not active (no %s)\n", XPV_SYSFS);
	if (argc > 1 && !strcmp(argv[1], "gone")) {
		p = argc == 5 ? atoi(argv[2]) : -1;
		mib = argc == 5 ? strtoul(argv[3], NULL, 0) : 0;
		if (p < 0 || p >= nr_pnodes || !mib || mib > 4096)
			ksft_exit_fail_msg("usage: gone PNODE MIB WAIT, PNODE < %ld\n",
					   nr_pnodes);
		test_gone(p, mib, atoi(argv[4]));
		ksft_finished();
	}
	if (nr_pnodes < 2 || nr_pnodes > MAX_PNODES)
		ksft_exit_skip("needs 2 to %d pnodes, not %ld\n", MAX_PNODES,
			       nr_pnodes);
	if (!mib || mib > 4096)
		ksft_exit_fail_msg("MIB must be 1..4096\n");
	n = (mib << 20) / psize;
	m = (16UL << 20) / psize;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("cannot pin to CPU %d: %s\n", cpu,
				   strerror(errno));
	p = cpu_pnode(cpu, nr_pnodes);
	if (p < 0)
		ksft_exit_fail_msg("CPU %d has no pnode\n", cpu);
	q = (p + 1) % nr_pnodes;
	ksft_print_msg("CPU %d is on pnode %d; the other pnode is %d\n", cpu,
		       p, q);
	ksft_set_plan(12);

	refusals(q);

	/*
	 * Each listed range stays as it is until the test ends: the host
	 * looks at it while the test goes on.
	 *
	 * 1. Bound to the other pnode than the CPU's.
	 */
	buf = bound_mapping(n, q, &r);
	on = count_pnodes(buf, n, q, count, NULL);
	ksft_test_result(!r && on == n,
			 "mbind(MPOL_BIND | MPOL_F_PNODES, {%d}): %lu of %lu pages on pnode %d (mbind %ld)\n",
			 q, on, n, q, r);
	list_for_host(1, buf, n, q);

	/*
	 * 2. move_pages() on pnodes: where they are, then to P.  Base
	 * pages: move_pages() answers -EBUSY for the other pages of a huge
	 * page it already took, and this wants one status per page.
	 */
	buf = bound_mapping(n, q, &r);
	nodes = calloc(n, sizeof(*nodes));
	status = calloc(n, sizeof(*status));
	if (!nodes || !status)
		ksft_exit_fail_msg("out of memory\n");
	r = r ?: sys_move_pnodes(buf, n, NULL, status);
	for (i = 0, bad = 0; i < n; i++)
		bad += status[i] != q;
	ksft_test_result(!r && !bad,
			 "move_pages(MPOL_MF_PNODES) finds all %lu bound pages on pnode %d (%lu elsewhere, r %ld)\n",
			 n, q, bad, r);
	for (i = 0; i < n; i++) {
		nodes[i] = p;
		status[i] = -1;
	}
	r = sys_move_pnodes(buf, n, nodes, status);
	for (i = 0, bad = 0; i < n; i++)
		bad += status[i] != p;
	on = count_pnodes(buf, n, p, count, NULL);
	ksft_test_result(!r && !bad && on == n,
			 "move_pages(MPOL_MF_PNODES) to pnode %d: %lu of %lu pages there (status wrong for %lu, r %ld)\n",
			 p, on, n, bad, r);
	list_for_host(2, buf, n, p);

	/* 3. Task policies: preferred, then interleave over all pnodes. */
	r = sys_set_mempolicy(MPOL_PREFERRED | MPOL_F_PNODES, 1UL << q);
	buf2 = new_mapping(m);
	touch(buf2, m);
	sys_set_mempolicy(MPOL_DEFAULT, 0);
	on = count_pnodes(buf2, m, q, count, NULL);
	ksft_test_result(!r && on == m,
			 "set_mempolicy(MPOL_PREFERRED | MPOL_F_PNODES, {%d}): %lu of %lu pages there\n",
			 q, on, m);
	munmap(buf2, m * psize);

	r = sys_set_mempolicy(MPOL_INTERLEAVE | MPOL_F_PNODES,
			      (1UL << nr_pnodes) - 1);
	buf2 = new_mapping(m);
	touch(buf2, m);
	sys_set_mempolicy(MPOL_DEFAULT, 0);
	count_pnodes(buf2, m, -1, count, NULL);
	for (i = 0, bad = 0; i < (unsigned long)nr_pnodes; i++)
		bad += count[i] * nr_pnodes * 10 < m * 9 ||
		       count[i] * nr_pnodes * 10 > m * 11;
	ksft_test_result(!r && !bad && !count[MAX_PNODES],
			 "set_mempolicy(MPOL_INTERLEAVE | MPOL_F_PNODES, all): each of %ld pnodes has %lu +- 10%% of %lu pages\n",
			 nr_pnodes, m / nr_pnodes, m);
	munmap(buf2, m * psize);

	/*
	 * 4. mbind() with MPOL_MF_MOVE moves what is already there: huge
	 * pages too, each on one pnode.
	 */
	buf2 = new_mapping(m);
	madvise(buf2, m * psize, MADV_HUGEPAGE);
	touch(buf2, m);
	on = count_pnodes(buf2, m, p, count, NULL);
	ksft_test_result(on == m,
			 "16 MiB without a policy: %lu of %lu pages on the CPU's pnode %d\n",
			 on, m, p);
	i = thp_pages(buf2, m, &bad);
	if (!thp_on())
		ksft_test_result_skip("transparent huge pages are off (sysfs %s)\n",
				      "transparent_hugepage/enabled");
	else
		ksft_test_result(i && !bad,
				 "%lu of those pages are in huge pages, %lu base pages off their huge page's pnode\n",
				 i, bad);
	r = sys_mbind(buf2, m * psize, MPOL_BIND | MPOL_F_PNODES, 1UL << q,
		      MPOL_MF_MOVE | MPOL_MF_STRICT);
	on = count_pnodes(buf2, m, q, count, NULL);
	ksft_test_result(!r && on == m,
			 "mbind(MPOL_BIND | MPOL_F_PNODES, {%d}, MPOL_MF_MOVE): %lu of %lu pages moved there (mbind %ld)\n",
			 q, on, m, r);
	list_for_host(3, buf2, m, q);

	/* get_mempolicy() on an address of the range: the VMA policy */
	{
		unsigned long mask = 0;
		int mode = -1;

		if (syscall(__NR_get_mempolicy, &mode, &mask, MAXNODE, buf2,
			    MPOL_F_ADDR))
			mode = -errno;
		ksft_test_result(mode == (MPOL_BIND | MPOL_F_PNODES) &&
				 mask == 1UL << q,
				 "get_mempolicy(MPOL_F_ADDR) reports the range's pnode policy (mode %#x, mask %#lx)\n",
				 mode, mask);
	}

	/*
	 * The memory stays until the host is done looking: it says so by
	 * moving the CPU to another pnode (up to WAIT seconds).
	 */
	printf("XPVSYNC policy done\n");
	fflush(stdout);
	end = now() + wait;
	while (cpu_pnode(cpu, nr_pnodes) == p && now() < end)
		usleep(100000);
	ksft_test_result(!wait || cpu_pnode(cpu, nr_pnodes) != p,
			 "the host finished looking (moved CPU %d off pnode %d)\n",
			 cpu, p);
	ksft_finished();
}
