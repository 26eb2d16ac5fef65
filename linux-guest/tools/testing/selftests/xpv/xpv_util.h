/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the XPV guest selftests: the pnode of a page and of a CPU,
 * the XPV sysfs directory, and the page lists a test on the host checks.
 */
#ifndef XPV_UTIL_H
#define XPV_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#define XPV_SYSFS	"/sys/devices/system/xpv"
#define PM_PRESENT	0x8000000000000000ULL
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PNODE_FLAGS	(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_PNODE)

struct page_pnode {
	uint64_t pfn;
	int pnode;
};

static inline long get_pnode(void *addr, unsigned long flags)
{
	int mode = -1;
	long r;

	r = syscall(__NR_get_mempolicy, &mode, NULL, 0, addr, flags);
	return r ? -errno : mode;
}

static inline long read_sysfs(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), XPV_SYSFS "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A /proc/vmstat counter, or -1. */
static inline long read_vmstat(const char *name)
{
	char key[64];
	long v, r = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int by_pfn(const void *a, const void *b)
{
	const struct page_pnode *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Wait until the version has not changed for @quiet seconds. */
static inline long settle(double quiet, double bound)
{
	double end = now() + bound, since = now();
	long v = read_sysfs("version"), w;

	while (now() < end) {
		usleep(100000);
		w = read_sysfs("version");
		if (w != v) {
			v = w;
			since = now();
		} else if (now() - since >= quiet) {
			break;
		}
	}
	return v;
}

/* Wait up to @bound seconds for all @n pages at @buf to have a pnode. */
static inline unsigned long wait_known(char *buf, unsigned long n,
				       long psize, double bound)
{
	double end = now() + bound;
	unsigned long i, unknown;

	for (;;) {
		for (i = 0, unknown = 0; i < n; i++)
			unknown += get_pnode(buf + i * psize, PNODE_FLAGS) < 0;
		if (!unknown || now() >= end)
			return unknown;
		usleep(200000);
	}
}

/*
 * move_pages(2) of process @pid's @n pages at @buf (pages of @psize):
 * @nodes NULL queries; @flags as move_pages() takes them.  Returns 0 or
 * the pages not moved, or -errno.
 */
static inline long move_pages_of(pid_t pid, char *buf, unsigned long n,
				 long psize, int *nodes, int *status, int flags)
{
	void **addrs = calloc(n, sizeof(*addrs));
	unsigned long i;
	long r;

	if (!addrs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		addrs[i] = buf + i * psize;
	r = syscall(__NR_move_pages, pid, n, addrs, nodes, status, flags);
	r = r < 0 ? -errno : r;
	free(addrs);
	return r;
}

/* The guest page frame of @addr from /proc/self/pagemap @fd, or 0. */
static inline uint64_t page_frame(int fd, void *addr, long psize)
{
	uint64_t ent = 0;

	if (fd < 0 || pread(fd, &ent, sizeof(ent),
			    (uintptr_t)addr / psize * sizeof(ent)) != sizeof(ent))
		return 0;
	return ent & PM_PRESENT ? ent & PM_PFN_MASK : 0;
}

/*
 * Print @n pages, sorted by frame, as "XPVPAGES <first pfn> <count>
 * <pnode>" ranges for the host to compare with where it keeps them.
 */
static inline void print_page_ranges(struct page_pnode *pages, unsigned long n)
{
	unsigned long i, j;

	qsort(pages, n, sizeof(*pages), by_pfn);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pages[j].pfn == pages[j - 1].pfn + 1 &&
		     pages[j].pnode == pages[i].pnode; j++)
			;
		printf("XPVPAGES %llu %lu %d\n", (unsigned long long)pages[i].pfn,
		       j - i, pages[i].pnode);
	}
}

/* The pnode whose cpulist holds @cpu, or -1. */
static inline int cpu_pnode(int cpu, long nr_pnodes)
{
	char path[128], list[4096], *s, *end;
	long p, a, b;
	FILE *f;

	for (p = 0; p < nr_pnodes; p++) {
		snprintf(path, sizeof(path), XPV_SYSFS "/pnode%ld/cpulist", p);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(list, sizeof(list), f))
			list[0] = 0;
		fclose(f);
		for (s = list; *s >= '0' && *s <= '9'; s = end + 1) {
			a = strtol(s, &end, 10);
			b = a;
			if (*end == '-')
				b = strtol(end + 1, &end, 10);
			if (cpu >= a && cpu <= b)
				return p;
			if (*end != ',')
				break;
		}
	}
	return -1;
}

#endif /* XPV_UTIL_H */
