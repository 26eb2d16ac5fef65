// SPDX-License-Identifier: GPL-2.0
/*
 * xpv_alloc_test: with XPV active, the page allocator serves a thread
 * from the pnode (host NUMA node) of the vCPU it runs on, and follows the
 * vCPU when the host moves it.  Runs inside a guest with XPV active.
 *
 *   xpv_alloc_test [MIB [WAIT [CPU]]]
 *
 * First it waits up to WAIT seconds (default 0: no wait) for the host to
 * change the topology (a test on the host spreads the guest's memory
 * over its nodes after "XPVSYNC alloc waiting") and for the map to
 * settle.  Then, pinned to CPU (default 0), it touches MIB MiB (default
 * 64) of new memory and checks that every page is on the CPU's pnode
 * (get_mempolicy() with MPOL_F_PNODE), and prints the pages as
 * "XPVPAGES <first pfn> <count> <pnode>" ranges and "XPVSYNC alloc 1
 * listed" for the host to check where it really keeps them.  It then
 * waits up to WAIT seconds for the host to move the vCPU to another
 * pnode, and does the same again ("XPVSYNC alloc 2 listed"), keeping all
 * the memory until it ends.  Around that, pnodeN/meminfo must add up.
 * Needs CAP_SYS_ADMIN for the page frames.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "../kselftest.h"
#include "xpv_util.h"

#define MAX_PNODES	64

/* The kB of a "<prefix> <key>: <kB> kB" line of @text, or -1. */
static long kb_of(const char *text, const char *key)
{
	const char *k;

	for (k = strstr(text, key); k; k = strstr(k + 1, key))
		if (k[strlen(key)] == ':')
			return strtol(k + strlen(key) + 1, NULL, 10);
	return -1;
}

/* One reading of @path into @text (the lines of a moment), or "". */
static void read_text(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, size - 1, f) : 0;

	text[n] = 0;
	if (f)
		fclose(f);
}

/*
 * Each pnode's MemFree + MemUsed is its MemTotal (when free <= total),
 * and the pnodes' free memory is part of the guest's MemFree.
 */
static long pnodes_with_free;

static int meminfo_adds_up(long nr_pnodes, const char *when)
{
	long p, total, free, used, sum = 0, all;
	char path[128], text[4096];
	int ok = 1;

	pnodes_with_free = 0;
	for (p = 0; p < nr_pnodes; p++) {
		snprintf(path, sizeof(path), XPV_SYSFS "/pnode%ld/meminfo", p);
		/* One reading: free memory changes between two */
		read_text(path, text, sizeof(text));
		total = kb_of(text, "MemTotal");
		free = kb_of(text, "MemFree");
		used = kb_of(text, "MemUsed");
		ksft_print_msg("%s: pnode %ld: MemTotal %ld kB, MemFree %ld kB, MemUsed %ld kB\n",
			       when, p, total, free, used);
		if (total < 0 || free < 0 || used < 0 ||
		    (free <= total && free + used != total))
			ok = 0;
		sum += free;
		pnodes_with_free += total > 0 && free > 0;
	}
	read_text("/proc/meminfo", text, sizeof(text));
	all = kb_of(text, "MemFree");
	ksft_print_msg("%s: free on pnodes %ld kB, MemFree %ld kB\n", when,
		       sum, all);
	/* Read at different moments: allow 8 MiB of churn. */
	return ok && all >= 0 && sum <= all + 8192;
}

/*
 * Touch @mib MiB of new memory; count its pages per pnode into @count
 * (index MAX_PNODES: unknown) and put them in @pages.  Returns the
 * memory, kept until the test ends.
 */
static char *alloc_pages_on(unsigned long n, long psize, struct page_pnode *pages,
			    unsigned long *count)
{
	char *buf = mmap(NULL, n * psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;
	long p;
	int fd;

	if (buf == MAP_FAILED)
		ksft_exit_fail_msg("cannot map %lu pages\n", n);
	for (i = 0; i < n; i++)
		buf[i * psize] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY);
	memset(count, 0, (MAX_PNODES + 1) * sizeof(*count));
	for (i = 0; i < n; i++) {
		p = get_pnode(buf + i * psize, PNODE_FLAGS);
		if (p < 0 || p >= MAX_PNODES)
			p = MAX_PNODES;
		count[p]++;
		pages[i].pfn = page_frame(fd, buf + i * psize, psize);
		pages[i].pnode = p == MAX_PNODES ? -1 : p;
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

static void report(int round, unsigned long *count, long nr_pnodes)
{
	long p;

	for (p = 0; p < nr_pnodes && p < MAX_PNODES; p++)
		ksft_print_msg("allocation %d: pnode %ld: %lu pages\n", round,
			       p, count[p]);
	ksft_print_msg("allocation %d: unknown pnode: %lu pages\n", round,
		       count[MAX_PNODES]);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int wait = argc > 2 ? atoi(argv[2]) : 0;
	int cpu = argc > 3 ? atoi(argv[3]) : 0;
	unsigned long n, count[MAX_PNODES + 1];
	long psize = sysconf(_SC_PAGESIZE), nr_pnodes, v0, local;
	struct page_pnode *pages;
	int p0, p1;
	double end;
	cpu_set_t set;

	ksft_print_header();
	nr_pnodes = read_sysfs("nr_pnodes");
	if (nr_pnodes <= 0)
		ksft_exit_skip("XPV is not active (no %s)\n", XPV_SYSFS);
	if (!mib || mib > 4096)
		ksft_exit_fail_msg("MIB must be 1..4096\n");
	n = (mib << 20) / psize;
	pages = calloc(n, sizeof(*pages));
	if (!pages)
		ksft_exit_fail_msg("cannot allocate the page table\n");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("cannot pin to CPU %d: %s\n", cpu,
				   strerror(errno));
	ksft_set_plan(wait > 0 ? 8 : 3);

	if (wait > 0) {
		v0 = read_sysfs("version");
		printf("XPVSYNC alloc waiting version=%ld\n", v0);
		fflush(stdout);
		end = now() + wait;
		while (read_sysfs("version") == v0 && now() < end)
			usleep(100000);
		ksft_test_result(read_sysfs("version") != v0,
				 "the host changed the topology (version %ld -> %ld)\n",
				 v0, read_sysfs("version"));
		/* Its moves published, and the free lists sorted after them. */
		end = now() + 120;
		while (read_sysfs("unknown_bytes") != 0 && now() < end)
			usleep(200000);
		settle(3, 120);
	}
	ksft_test_result(meminfo_adds_up(nr_pnodes, "before"),
			 "pnodeN/meminfo: free + used = total, pnodes' free <= MemFree\n");
	if (wait > 0)
		ksft_test_result(pnodes_with_free == nr_pnodes,
				 "free memory is listed on %ld of %ld pnodes\n",
				 pnodes_with_free, nr_pnodes);

	/* 1. A default allocation lands on the pnode of the vCPU it runs on. */
	p0 = cpu_pnode(cpu, nr_pnodes);
	local = read_vmstat("xpv_alloc_local");
	alloc_pages_on(n, psize, pages, count);
	local = read_vmstat("xpv_alloc_local") - local;
	report(1, count, nr_pnodes);
	ksft_test_result(p0 >= 0 && count[p0] == n,
			 "%lu MiB touched on CPU %d land on its pnode %d: %lu of %lu pages\n",
			 mib, cpu, p0, p0 >= 0 ? count[p0] : 0, n);
	ksft_test_result(local >= (long)n,
			 "vmstat xpv_alloc_local grew by %ld pages (>= %lu)\n",
			 local, n);
	print_page_ranges(pages, n);
	printf("XPVSYNC alloc 1 listed pnode=%d\n", p0);
	fflush(stdout);
	if (wait <= 0)
		ksft_finished();

	/* 2. The host moves the vCPU: new memory follows it. */
	end = now() + wait;
	while (cpu_pnode(cpu, nr_pnodes) == p0 && now() < end)
		usleep(100000);
	p1 = cpu_pnode(cpu, nr_pnodes);
	ksft_test_result(p1 >= 0 && p1 != p0,
			 "the host moved CPU %d: pnode %d -> %d\n", cpu, p0, p1);
	alloc_pages_on(n, psize, pages, count);
	report(2, count, nr_pnodes);
	ksft_test_result(p1 >= 0 && count[p1] == n,
			 "%lu MiB touched after the move land on pnode %d: %lu of %lu pages\n",
			 mib, p1, p1 >= 0 ? count[p1] : 0, n);
	print_page_ranges(pages, n);
	printf("XPVSYNC alloc 2 listed pnode=%d\n", p1);
	fflush(stdout);
	ksft_test_result(meminfo_adds_up(nr_pnodes, "after"),
			 "pnodeN/meminfo still adds up with %lu MiB more in use\n",
			 2 * mib);
	/* Held for the host's look (it pauses the guest meanwhile). */
	sleep(10);
	ksft_finished();
}
