// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-jemfollow: a program on jemalloc (LD_PRELOAD) in an XPV guest, for
 * the lab and for ci/build-jemalloc.sh.
 *
 *   xpv-jemfollow opt
 *	"jemalloc: percpu_arena MODE" (mallctl opt.percpu_arena).
 *   xpv-jemfollow stats
 *	a fixed series of allocations, then jemalloc's statistics without
 *	the parts that vary from run to run (times, addresses, mutexes):
 *	two builds that behave alike print the same.
 *   xpv-jemfollow follow MIB SIZE TAG
 *	allocate MIB MiB in objects of SIZE bytes with malloc() and write
 *	them, then count the pages that hold them by pnode, as the guest
 *	sees them (get_mempolicy(MPOL_F_PNODE)): "jemalloc: TAG 1 pages N
 *	pnode0 N0 pnode1 N1...", list a sample of at most 512 of them,
 *	evenly spread, for the host ("XPVPAGES <pfn> <count> <pnode>"),
 *	then "XPVSYNC TAG 1 listed pnode=<P|mixed>" (P: of every page), with
 *	jemalloc's view:
 *	"jemalloc: TAG 1 cpu C pnode P arena A version V rebinds R" (pnode:
 *	of CPU C by sysfs; arena: thread.arena; version and rebinds:
 *	stats.pnode).  Then wait until the topology version moves (the
 *	host moved something: at most 600 s), free the first objects (an
 *	allocator that kept the thread on its old arena would hand their
 *	pages out again), and do the same again as "TAG 2", followed by jemalloc's statistics of each arena; keep the
 *	memory until the version moves again (the host is done looking).
 *   xpv-jemfollow bench ROUNDS
 *	allocation throughput: for each size, batches of up to 4096
 *	malloc()s (4 MiB at most) then as many free()s (more than a tcache
 *	bin holds, so that fills and flushes, where the arena is chosen,
 *	happen), about 64 MiB a round, ROUNDS rounds; prints
 *	"bench: size S ns/op N" with the median round.  Run it under two
 *	MALLOC_CONFs, one after the other, to compare them.
 *   xpv-jemfollow insn SAMPLES
 *	the same batches, on CPU 0, as windows of the lab's instruction
 *	counter (lib/insnmark.h, the xpv-insn TCG plugin): for each size,
 *	two batches to warm up, then SAMPLES windows of one batch each (a
 *	series), and "XPVSYNC jeminsn size S batch B done N" after it; the
 *	instructions per operation are a window's count / (2 B).  Exact
 *	where times swing by 20%.
 *
 * Exit status: 0; 1 on a failed call; 2 when not running on jemalloc
 * (no mallctl: LD_PRELOAD it); 3 when the topology did not move in time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "insnmark.h"
#include "xpv_util.h"

typedef int (mallctl_t)(const char *, void *, size_t *, void *, size_t);
typedef void (stats_print_t)(void (*)(void *, const char *), void *,
			     const char *);

/* pnodes counted, and the most pages listed for the host */
#define MAX_PNODES	64
#define SAMPLE		512

static mallctl_t *je_mallctl;
static stats_print_t *je_stats_print;

static int jemalloc_lookup(void)
{
	je_mallctl = (mallctl_t *)dlsym(RTLD_DEFAULT, "mallctl");
	je_stats_print = (stats_print_t *)dlsym(RTLD_DEFAULT, "malloc_stats_print");
	if (!je_mallctl || !je_stats_print) {
		fprintf(stderr, "xpv-jemfollow: malloc is not jemalloc's (no mallctl): run it with LD_PRELOAD=libjemalloc.so.2\n");
		return -1;
	}
	return 0;
}

static const char *percpu_mode(void)
{
	const char *mode = "?";
	size_t sz = sizeof(mode);

	je_mallctl("opt.percpu_arena", &mode, &sz, NULL, 0);
	return mode;
}

static unsigned long long stat_u64(const char *name)
{
	unsigned long long v = 0;
	size_t sz = sizeof(v);

	/* the statistics are a snapshot taken at an epoch */
	if (je_mallctl(name, &v, &sz, NULL, 0))
		return ~0ULL;
	return v;
}

static void view(const char *tag, int phase)
{
	unsigned arena = ~0U;
	size_t sz = sizeof(arena);
	int cpu = sched_getcpu();

	je_mallctl("thread.arena", &arena, &sz, NULL, 0);
	printf("jemalloc: %s %d cpu %d pnode %d arena %u version %llu rebinds %llu\n",
	       tag, phase, cpu, cpu_pnode(cpu, read_sysfs("nr_pnodes")), arena,
	       stat_u64("stats.pnode.version"), stat_u64("stats.pnode.rebinds"));
}

static int by_addr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Allocate @mib MiB in objects of @size into @obj (room for them all),
 * write them, and list the pages that hold them; returns 0 or -1.
 */
static int alloc_list(size_t mib, size_t size, char **obj, const char *tag,
		      int phase)
{
	size_t n = (mib << 20) / size, i, np = 0;
	size_t on[MAX_PNODES] = { 0 };
	struct page_pnode *pages;
	uintptr_t *pg;
	long pnode = -2;
	int fd;

	/* bookkeeping outside jemalloc, so that only the objects count */
	pg = mmap(NULL, n * sizeof(*pg), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pages = mmap(NULL, n * sizeof(*pages), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED || pages == MAP_FAILED) {
		perror("xpv-jemfollow: mmap");
		return -1;
	}
	for (i = 0; i < n; i++) {
		obj[i] = malloc(size);
		if (!obj[i]) {
			fprintf(stderr, "xpv-jemfollow: malloc(%zu) failed after %zu objects\n",
				size, i);
			return -1;
		}
		memset(obj[i], 0x5a, size);
		/* an object may straddle two pages: its first one counts */
		pg[i] = (uintptr_t)obj[i] & ~(uintptr_t)4095;
	}
	qsort(pg, n, sizeof(*pg), by_addr);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		perror("xpv-jemfollow: pagemap");
		return -1;
	}
	for (i = 0; i < n; i++) {
		long p;

		if (i && pg[i] == pg[i - 1])
			continue;
		p = get_pnode((void *)pg[i], PNODE_FLAGS);
		pages[np].pfn = page_frame(fd, (void *)pg[i], 4096);
		pages[np].pnode = p;
		if (p >= 0 && p < MAX_PNODES)
			on[p]++;
		np++;
		pnode = pnode == -2 || pnode == p ? p : -1;
	}
	close(fd);
	/* every page, as the guest sees it */
	printf("jemalloc: %s %d pages %zu", tag, phase, np);
	for (i = 0; i < MAX_PNODES; i++)
		if (on[i])
			printf(" pnode%zu %zu", i, on[i]);
	printf("\n");
	/*
	 * For the host: at most SAMPLE of them, evenly spread.  Scattered
	 * pages make a line each, and L2's output port is a UART: every
	 * byte is an exit to L1's QEMU, which nested TCG pays dearly.
	 */
	if (np > SAMPLE) {
		size_t step = (np + SAMPLE - 1) / SAMPLE, k = 0;

		for (i = 0; i < np; i += step)
			pages[k++] = pages[i];
		np = k;
	}
	print_page_ranges(pages, np);
	view(tag, phase);
	if (pnode >= 0)
		printf("XPVSYNC %s %d listed pnode=%ld\n", tag, phase, pnode);
	else
		printf("XPVSYNC %s %d listed pnode=mixed\n", tag, phase);
	fflush(stdout);
	munmap(pages, n * sizeof(*pages));
	munmap(pg, n * sizeof(*pg));
	return 0;
}

/* Wait until the topology version is no longer @v; -1 after @secs. */
static int wait_version(long v, double secs)
{
	double end = now() + secs;

	while (read_sysfs("version") == v) {
		if (now() > end)
			return -1;
		usleep(100000);
	}
	return 0;
}

static void write_out(void *opaque, const char *s)
{
	(void)opaque;
	fputs(s, stdout);
}

static int follow(size_t mib, size_t size, const char *tag)
{
	long v = read_sysfs("version");
	unsigned long long epoch = 1;
	size_t sz = sizeof(epoch), n, i;
	char **obj;

	if (size == 0 || size > (1 << 20) || mib == 0 || mib > 1024) {
		fprintf(stderr, "xpv-jemfollow: follow: bad MIB %zu (1 to 1024) or SIZE %zu (1 to 1 MiB)\n",
			mib, size);
		return 1;
	}
	n = (mib << 20) / size;
	obj = mmap(NULL, n * sizeof(*obj), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (obj == MAP_FAILED) {
		perror("xpv-jemfollow: mmap");
		return 1;
	}
	printf("jemalloc: percpu_arena %s\n", percpu_mode());
	if (alloc_list(mib, size, obj, tag, 1))
		return 1;
	if (wait_version(v, 600)) {
		fprintf(stderr, "xpv-jemfollow: the topology stayed at version %ld for 600 s\n", v);
		return 3;
	}
	/* let the host finish its move: the topology settles */
	sleep(1);
	v = read_sysfs("version");
	/*
	 * Free the first objects: an allocator that kept the thread on its
	 * old arena would hand their pages (on the old pnode) out again.
	 */
	for (i = 0; i < n; i++)
		free(obj[i]);
	if (alloc_list(mib, size, obj, tag, 2))
		return 1;
	je_mallctl("epoch", &epoch, &sz, &epoch, sz);
	/* general, totals and each arena; no bins, extents or mutexes */
	je_stats_print(write_out, NULL, "blxeh");
	fflush(stdout);
	if (wait_version(v, 600)) {
		fprintf(stderr, "xpv-jemfollow: the topology stayed at version %ld for 600 s\n", v);
		return 3;
	}
	printf("XPVSYNC %s released\n", tag);
	return 0;
}

/* What two builds that behave alike print alike. */
static int stats(void)
{
	unsigned long long epoch = 1;
	size_t sz = sizeof(epoch);
	void *p[4096];
	int i;

	for (i = 0; i < 4096; i++)
		p[i] = malloc(16 << (i % 10));
	for (i = 0; i < 4096; i += 2)
		free(p[i]);
	je_mallctl("epoch", &epoch, &sz, &epoch, sz);
	/* general information and totals: no per-arena parts, whose
	   uptime and mutex counters vary from run to run */
	je_stats_print(write_out, NULL, "mdablxeh");
	return 0;
}

#define BENCH_BATCH	4096
#define BENCH_ROUNDS_MAX	101

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const size_t bench_sizes[] = { 16, 64, 256, 1024, 4096, 32768, 65536 };
static void *bench_p[BENCH_BATCH];

/* objects of a batch of @size: 4 MiB at most, BENCH_BATCH at most */
static int bench_batch(size_t size)
{
	int batch = (int)((4UL << 20) / size);

	return batch > BENCH_BATCH ? BENCH_BATCH : batch;
}

/* @batch malloc()s of @size, each written, then as many free()s */
static int bench_one(size_t size, int batch)
{
	int i;

	for (i = 0; i < batch; i++) {
		bench_p[i] = malloc(size);
		if (!bench_p[i])
			return 1;
		*(volatile char *)bench_p[i] = 1;
	}
	for (i = 0; i < batch; i++)
		free(bench_p[i]);
	return 0;
}

#define INSN_SAMPLES_MAX	4096
#define INSN_WARM		2

static int insn(int samples)
{
	unsigned s;
	int i;

	if (samples < 1 || samples > INSN_SAMPLES_MAX) {
		fprintf(stderr, "xpv-jemfollow: insn: SAMPLES is 1 to %d\n",
			INSN_SAMPLES_MAX);
		return 1;
	}
	if (insn_on_cpu0()) {
		perror("xpv-jemfollow: sched_setaffinity");
		return 1;
	}
	printf("jemalloc: percpu_arena %s\n", percpu_mode());
	for (s = 0; s < sizeof(bench_sizes) / sizeof(bench_sizes[0]); s++) {
		size_t size = bench_sizes[s];
		int batch = bench_batch(size);

		for (i = 0; i < INSN_WARM; i++)
			if (bench_one(size, batch))
				return 1;
		for (i = 0; i < samples; i++) {
			MARK_START();
			if (bench_one(size, batch))
				return 1;
			MARK_END();
		}
		MARK_SERIES();
		printf("XPVSYNC jeminsn size %zu batch %d done %d\n", size,
		       batch, samples);
	}
	return 0;
}

static int bench(int rounds)
{
	double t[BENCH_ROUNDS_MAX];
	unsigned s;
	int r, k;

	if (rounds < 1 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "xpv-jemfollow: bench: ROUNDS is 1 to %d\n",
			BENCH_ROUNDS_MAX);
		return 1;
	}
	printf("jemalloc: percpu_arena %s\n", percpu_mode());
	for (s = 0; s < sizeof(bench_sizes) / sizeof(bench_sizes[0]); s++) {
		/* a batch holds at most 4 MiB, a round about 64 MiB */
		int batch = bench_batch(bench_sizes[s]);
		int batches;

		batches = (int)((64UL << 20) / (bench_sizes[s] * batch)) + 1;

		for (r = 0; r < rounds; r++) {
			double t0 = now();

			for (k = 0; k < batches; k++)
				if (bench_one(bench_sizes[s], batch))
					return 1;
			t[r] = (now() - t0) * 1e9 / (2.0 * batches * batch);
		}
		qsort(t, rounds, sizeof(t[0]), cmp_double);
		printf("bench: size %zu ns/op %.1f (min %.1f max %.1f)\n", bench_sizes[s],
		       t[rounds / 2], t[0], t[rounds - 1]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (jemalloc_lookup())
		return 2;
	if (argc == 2 && !strcmp(argv[1], "opt")) {
		printf("jemalloc: percpu_arena %s\n", percpu_mode());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "stats"))
		return stats();
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return bench(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "insn"))
		return insn(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "follow"))
		return follow(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
			      argv[4]);
	fprintf(stderr, "usage: xpv-jemfollow opt | stats | follow MIB SIZE TAG | bench ROUNDS | insn SAMPLES\n");
	return 1;
}
