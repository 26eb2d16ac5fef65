// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-numafollow: a libnuma program in an XPV guest, for the lab.
 *
 *   xpv-numafollow show
 *	libnuma's view of the topology: its version, each node's CPUs and
 *	memory, numa_node_of_cpu() of each CPU.
 *   xpv-numafollow wait SECONDS [CPU NODE]
 *	the view, then, each time numa_topology_changed() says the
 *	topology moved, the view again (what a runtime that caches node
 *	maps does): after the first change, or once numa_node_of_cpu(CPU)
 *	is NODE.  Exit 3 when that did not happen within SECONDS.
 *   xpv-numafollow touch MIB TAG
 *   xpv-numafollow onnode MIB NODE TAG
 *	touch MIB MiB of anonymous memory (touch: under the policy the
 *	caller set, e.g. numactl --membind; onnode: numa_alloc_onnode()),
 *	list its pages by guest frame ("XPVPAGES <pfn> <count> <pnode>"),
 *	then "XPVSYNC TAG 1 listed pnode=<P>" (P: the pnode of every page by
 *	get_mempolicy(MPOL_F_PNODE), or "mixed"), and keep the memory
 *	until the topology version moves (the host says it is done
 *	looking by moving something), at most 600 s.
 *
 *   xpv-numafollow pages PID START END TAG
 *	the whole pages process PID has in [START, END) (hex): by
 *	/proc/PID/pagemap and move_pages(MPOL_MF_PNODES), "pages: TAG
 *	present N pnode0 N0 pnode1 N1 ... unknown U", then an evenly
 *	spread sample of up to 1024 of them for the host ("XPVPAGES <pfn>
 *	<count> <pnode>"; a line each on the lab's UART would be too many),
 *	then "XPVSYNC TAG listed" (TAG: the lab's "WHAT N").  For a process that is not ours, e.g.
 *	a JVM's heap: the caller keeps it from touching the range meanwhile.
 *
 *   xpv-numafollow bench N
 *	N calls of numa_topology_version() against N getppid() system
 *	calls: ns per call and their ratio.
 *
 * Lines of the view: "numa: version V max_node M configured C",
 * "numa: node N cpus C,C size KIB", "numa: cpu C node N".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <asm/kvm_xpv.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "xpv_util.h"

static void show(void)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	int n, c, ncpus = numa_num_configured_cpus();
	long long size;

	printf("numa: version %llu max_node %d configured %d\n",
	       numa_topology_version(), numa_max_node(),
	       numa_num_configured_nodes());
	for (n = 0; n <= numa_max_node(); n++) {
		const char *sep = "";

		if (numa_node_to_cpus(n, cpus) < 0)
			continue;
		size = numa_node_size64(n, NULL);
		printf("numa: node %d cpus ", n);
		for (c = 0; c < ncpus; c++)
			if (numa_bitmask_isbitset(cpus, c)) {
				printf("%s%d", sep, c);
				sep = ",";
			}
		printf("%s size %lld\n", *sep ? "" : "-", size >> 10);
	}
	for (c = 0; c < ncpus; c++)
		printf("numa: cpu %d node %d\n", c, numa_node_of_cpu(c));
	fflush(stdout);
	numa_bitmask_free(cpus);
}

/* Until the topology version is no longer @since; 0, or -1 after @secs. */
static int wait_change(unsigned long long since, double secs)
{
	double end = now() + secs;

	while (!numa_topology_changed(since)) {
		if (now() > end)
			return -1;
		usleep(50000);
	}
	return 0;
}

static int touch(size_t mib, int node, const char *tag)
{
	size_t len = mib << 20, n = len / 4096, i;
	unsigned long long v = numa_topology_version();
	struct page_pnode *pages;
	long pnode = -2;
	char *buf;
	int fd;

	if (node >= 0)
		buf = numa_alloc_onnode(len, node);
	else
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buf || buf == MAP_FAILED) {
		perror("xpv-numafollow: allocation");
		return 1;
	}
	/* the pages as they are: no THP, whose pages a list would split */
	madvise(buf, len, MADV_NOHUGEPAGE);
	memset(buf, 0x5a, len);
	pages = calloc(n, sizeof(*pages));
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (!pages || fd < 0) {
		perror("xpv-numafollow: pagemap");
		return 1;
	}
	for (i = 0; i < n; i++) {
		long p = get_pnode(buf + i * 4096, PNODE_FLAGS);

		pages[i].pfn = page_frame(fd, buf + i * 4096, 4096);
		pages[i].pnode = p;
		pnode = pnode == -2 || pnode == p ? p : -1;
	}
	close(fd);
	print_page_ranges(pages, n);
	if (pnode >= 0)
		printf("XPVSYNC %s 1 listed pnode=%ld\n", tag, pnode);
	else
		printf("XPVSYNC %s 1 listed pnode=mixed\n", tag);
	fflush(stdout);
	if (wait_change(v, 600) < 0) {
		fprintf(stderr, "xpv-numafollow: the topology stayed at version %llu for 600 s\n", v);
		return 3;
	}
	printf("XPVSYNC %s 1 released\n", tag);
	return 0;
}

#define PAGES_SAMPLE	1024

static int pages_of(pid_t pid, uintptr_t start, uintptr_t end, const char *tag)
{
	unsigned long n, i, present = 0, k;
	unsigned long count[KVM_XPV_MAX_PNODES + 1] = { 0 };
	struct page_pnode *pages;
	char path[64];
	int *status, fd;
	long r;

	/* the whole pages of the range */
	start = (start + 4095) & ~(uintptr_t)4095;
	end &= ~(uintptr_t)4095;
	n = end > start ? (end - start) / 4096 : 0;
	if (!n || n > (1UL << 24)) {
		fprintf(stderr, "xpv-numafollow: %s whole pages in the range\n",
			n ? "too many" : "no");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	pages = calloc(n, sizeof(*pages));
	status = calloc(n, sizeof(*status));
	if (fd < 0 || !pages || !status) {
		perror("xpv-numafollow: pagemap");
		return 1;
	}
	/* each page's pnode in one query (a page not present: -ENOENT) */
	r = move_pages_of(pid, (char *)start, n, 4096, NULL, status, MPOL_MF_PNODES);
	if (r < 0) {
		fprintf(stderr, "xpv-numafollow: move_pages(MPOL_MF_PNODES) of %d: %s\n",
			(int)pid, strerror(-r));
		return 1;
	}
	for (i = 0; i < n; i++) {
		pages[present].pfn = page_frame(fd, (void *)(start + i * 4096), 4096);
		if (!pages[present].pfn)
			continue;
		pages[present].pnode = status[i];
		if (status[i] >= 0 && status[i] < KVM_XPV_MAX_PNODES)
			count[status[i]]++;
		else
			count[KVM_XPV_MAX_PNODES]++;
		present++;
	}
	close(fd);
	printf("pages: %s present %lu", tag, present);
	for (i = 0; i < KVM_XPV_MAX_PNODES; i++)
		if (count[i])
			printf(" pnode%lu %lu", i, count[i]);
	printf(" unknown %lu\n", count[KVM_XPV_MAX_PNODES]);
	/* an evenly spread sample, in place */
	k = present > PAGES_SAMPLE ? PAGES_SAMPLE : present;
	for (i = 0; i < k; i++)
		pages[i] = pages[i * present / k];
	print_page_ranges(pages, k);
	printf("XPVSYNC %s listed\n", tag);
	fflush(stdout);
	free(pages);
	free(status);
	return 0;
}

/* @n calls of numa_topology_version() against @n getppid() system calls. */
static int bench(long n)
{
	unsigned long long sink = 0;
	double t0, t1, t2;
	long i;

	t0 = now();
	for (i = 0; i < n; i++)
		sink += numa_topology_version();
	t1 = now();
	for (i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	t2 = now();
	printf("bench: %ld calls each: numa_topology_version() %.2f ns/call, getppid() %.2f ns/call, syscall/libnuma ratio %.1f (sink %llu)\n",
	       n, (t1 - t0) * 1e9 / n, (t2 - t1) * 1e9 / n,
	       (t2 - t1) / (t1 - t0), sink & 1);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long v;

	if (numa_available() < 0) {
		fprintf(stderr, "xpv-numafollow: no NUMA policy support\n");
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "show")) {
		show();
		return 0;
	}
	if ((argc == 3 || argc == 5) && !strcmp(argv[1], "wait")) {
		double end = now() + atof(argv[2]);

		v = numa_topology_version();
		show();
		do {
			if (wait_change(v, end - now()) < 0) {
				fprintf(stderr, "xpv-numafollow: no %s within %s s (version %llu)\n",
					argc == 5 ? "such change" : "change", argv[2], v);
				return 3;
			}
			v = numa_topology_version();
			show();
		} while (argc == 5 && numa_node_of_cpu(atoi(argv[3])) != atoi(argv[4]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return bench(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "touch"))
		return touch(strtoul(argv[2], NULL, 0), -1, argv[3]);
	if (argc == 5 && !strcmp(argv[1], "onnode"))
		return touch(strtoul(argv[2], NULL, 0), atoi(argv[3]), argv[4]);
	if (argc == 6 && !strcmp(argv[1], "pages"))
		return pages_of(atoi(argv[2]), strtoul(argv[3], NULL, 16),
				strtoul(argv[4], NULL, 16), argv[5]);
	fprintf(stderr, "usage: xpv-numafollow show | wait SECONDS [CPU NODE] | touch MIB TAG | onnode MIB NODE TAG | pages PID START END TAG | bench N\n");
	return 2;
}
