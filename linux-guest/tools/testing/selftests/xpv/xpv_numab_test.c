// SPDX-License-Identifier: GPL-2.0
/*
 * xpv_numab_test: NUMA balancing on pnodes, in a guest with XPV active
 * and two pnodes, while its host moves things on the test's cue.
 *
 *   xpv_numab_test vcpu [MIB [SECONDS]]
 *	Follow the vCPU.  Pinned to vCPU 0, the test writes MIB MiB (default
 *	64), which the pnode allocator puts mostly on vCPU 0's pnode (some
 *	may fall back to the other), and asks the host to move vCPU 0 to the
 *	other pnode.  Reading the buffer over and over, it then waits up to
 *	SECONDS (default 60) for 95% of it to be on vCPU 0's new pnode, and
 *	prints the time that took.
 *   xpv_numab_test memory [MIB [SECONDS]]
 *	Follow the memory, in a guest with two vCPUs on each pnode.  The
 *	test writes MIB MiB and asks the host to move it to the pnode the
 *	test is not running on, held there until the host has; then,
 *	unpinned, within SECONDS 95% of the buffer must be on the pnode the
 *	test runs on: the task went to its memory, or the memory came to the
 *	task.
 *   xpv_numab_test churn [MIB]
 *	Two processes read MIB MiB each, unpinned, for 30 s while the host
 *	swaps the vCPUs' nodes as fast as it can: balancing must keep
 *	working (hinting faults are taken) and the kernel quiet (the lab
 *	checks its log; a debug kernel's checkers report there).
 *   xpv_numab_test shared [MIB [SECONDS]]
 *	Shared memory, in a guest with two vCPUs on each pnode.  Two threads
 *	start on the vCPUs of different pnodes and each writes half of one
 *	buffer of MIB MiB there; then, unpinned, both read all of it.  Within
 *	SECONDS (default 180) they must be in one numa_group, and their
 *	locality (of the pages each thread reads, the share on its pnode,
 *	averaged over the two) must reach 90% (the time it took is
 *	printed).  What migrates in the next 30 s, and where the threads
 *	run, is printed.
 *   xpv_numab_test control [MIB]
 *	The control, in a guest without XPV: pinned to vCPU 0, the test
 *	writes MIB MiB, asks the host to move vCPU 0, reads the buffer for
 *	30 s and lists its pages.  Nothing moves them: the host prints where
 *	they are.
 *
 * The first two then read the buffer for 30 s more and list its pages for
 * the host to check where they really are.  For vcpu, the task must then
 * prefer its pnode, or none yet (placement runs at a hinting fault, and a
 * task whose pages are local may take none), fewer than 1% of the pages
 * may migrate in the 30 s, and the test must run on that pnode for 90% of
 * its passes (no ping-pong).  memory asks the same of the pages on the
 * pnode where the test and its memory met, and prints where the test ran:
 * a task that reached its memory before any hinting fault prefers no
 * pnode, and the balancer may move it away for a while (914 of 2434
 * passes in one run of four, with two vCPUs on each pnode).
 * Cues to the host, on stdout:
 *   "XPVSYNC numab move-vcpu 0"	move vCPU 0 to the other host node
 *   XPVPAGES lines, "XPVSYNC numab move-pages P"
 *					move the listed pages to host node P
 *   "XPVSYNC numab apart"		the vCPUs back where they started,
 *					vCPU 0 and another on different nodes
 *   "XPVSYNC numab churn", "XPVSYNC numab churn-done"
 *					swap the vCPUs' nodes between the two
 *   XPVPAGES lines, "XPVSYNC numab listed vcpu|memory P"
 *					check that 95% of them are on node P
 *   XPVPAGES lines, "XPVSYNC numab listed shared P"
 *					check that they are where the guest says
 *   XPVPAGES lines, "XPVSYNC numab listed control"
 *					say where they are
 * The guest needs the lab's pnode ids (host node ids 0 and 1), vCPU 0 and
 * another vCPU on different pnodes at the start (vcpu, churn: vCPU 0 and
 * vCPU 1), free memory on both, and kernel.numa_balancing left as XPV
 * sets it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "xpv_util.h"

#define QUIET_S		30	/* after following: no ping-pong */
#define CUE_S		300	/* for the host to act on a cue */

/* to follow: 60 s, or the command line's (a debug kernel is slower) */
static int bound_s = 60;

static long psize, nr_pnodes;
static int xpv = 1;		/* 0: the control, no pnodes */
static unsigned long n;		/* pages in the buffer */
static char *buf;
static int *status;

/* The number in file @path, or after key @name in it; -1 if none. */
static long read_long(const char *path, const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!name) {
		if (fscanf(f, "%ld", &v) == 1)
			found = v;
	} else {
		while (fscanf(f, "%63s %ld", key, &v) == 2)
			if (!strcmp(key, name)) {
				found = v;
				break;
			}
	}
	fclose(f);
	return found;
}

static long migrated(void)
{
	return read_long("/proc/vmstat", "numa_pages_migrated");
}

/* The pages of the buffer on @pnode now, by the guest's view. */
static unsigned long on_pnode(int pnode)
{
	unsigned long i, k = 0;
	long r;

	r = move_pages_of(0, buf, n, psize, NULL, status, MPOL_MF_PNODES);
	if (r)
		ksft_exit_fail_msg("move_pages(MPOL_MF_PNODES) query: %s\n",
				   strerror(-r));
	for (i = 0; i < n; i++)
		k += status[i] == pnode;
	return k;
}

static int here(void)
{
	return cpu_pnode(sched_getcpu(), nr_pnodes);
}

/* The CPUs of @pnode, or all of them (@pnode < 0). */
static void pnode_cpus(int pnode, cpu_set_t *set)
{
	long cpu, nr = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(set);
	for (cpu = 0; cpu < nr && cpu < CPU_SETSIZE; cpu++)
		if (pnode < 0 || cpu_pnode(cpu, nr_pnodes) == pnode)
			CPU_SET(cpu, set);
}

/*
 * Two vCPUs on each pnode, or the test fails: with one, any other
 * runnable task there justifies pulling the test to the other pnode.
 */
static void two_vcpus_each(void)
{
	cpu_set_t set;
	int i;

	for (i = 0; i < nr_pnodes; i++) {
		pnode_cpus(i, &set);
		if (CPU_COUNT(&set) < 2)
			ksft_exit_fail_msg("pnode %d has %d vCPUs, 2 needed\n",
					   i, CPU_COUNT(&set));
	}
}

/* What the reads sum to: kept, so that they are not optimised away. */
unsigned long sink;

/* Read every cache line of the buffer once. */
static void read_pass(void)
{
	unsigned long i, sum = 0;

	for (i = 0; i < n * psize; i += 64)
		sum += buf[i];
	sink += sum;
}

/* Wait up to @secs for @cond(@arg); returns whether it held. */
static int wait_until(int (*cond)(int), int arg, double secs)
{
	double end = now() + secs;

	while (!cond(arg)) {
		if (now() >= end)
			return 0;
		usleep(200000);
	}
	return 1;
}

static int vcpu0_left(int pnode)
{
	int p = cpu_pnode(0, nr_pnodes);

	return p >= 0 && p != pnode;
}

/* vCPU 0 and another vCPU are on different pnodes. */
static int vcpus_apart(int unused)
{
	long cpu, nr = sysconf(_SC_NPROCESSORS_ONLN);
	int p0 = cpu_pnode(0, nr_pnodes), p;

	for (cpu = 1; p0 >= 0 && cpu < nr; cpu++) {
		p = cpu_pnode(cpu, nr_pnodes);
		if (p >= 0 && p != p0)
			return 1;
	}
	return 0;
}

static int buffer_on(int pnode)
{
	return on_pnode(pnode) * 100 >= n * 95;
}

/* List the buffer's pages with their pnodes, for the host. */
static void list_pages(void)
{
	struct page_pnode *pages = calloc(n, sizeof(*pages));
	unsigned long i;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (!pages || fd < 0)
		ksft_exit_fail_msg("page list: %s\n", strerror(errno));
	if (xpv)
		move_pages_of(0, buf, n, psize, NULL, status, MPOL_MF_PNODES);
	for (i = 0; i < n; i++) {
		pages[i].pfn = page_frame(fd, buf + i * psize, psize);
		pages[i].pnode = xpv ? status[i] : -1;
	}
	close(fd);
	print_page_ranges(pages, n);
	free(pages);
}

/*
 * Read the buffer until 95% of it is on the pnode the test runs on, for
 * at most bound_s.  Returns that pnode, or -1; *@secs: the time taken.
 */
static int follow(const char *what, double *secs, int *from)
{
	double t0 = now(), last = 0;
	long m0 = migrated();
	unsigned long k = 0;
	int p = -1;

	/* where most of the buffer is at the start */
	*from = on_pnode(0) * 2 >= n ? 0 : 1;

	while (now() - t0 < bound_s) {
		read_pass();
		if (now() - last < 1)
			continue;
		last = now();
		p = here();
		k = on_pnode(p);
		ksft_print_msg("%s: %5.1f s: %lu of %lu pages on pnode %d (here), %ld migrated\n",
			       what, now() - t0, k, n, p, migrated() - m0);
		if (k * 100 >= n * 95) {
			*secs = now() - t0;
			return p;
		}
	}
	ksft_print_msg("%s: after %d s, %lu of %lu pages on pnode %d, where the test runs\n",
		       what, bound_s, k, n, p);
	return -1;
}

/*
 * QUIET_S of reading on pnode @p: no page ping-pong, and the test stays
 * on @p.  follow() stops at 95%, so the last pages may still come to @p
 * in this window: those migrations are the convergence ending, and only
 * the others (a page that left @p and came back, or one that moved
 * between other pnodes) count against the 1% allowed.  An unpinned task
 * whose pages are all local takes no more hinting faults, so nothing
 * may make @p its preferred pnode, and the balancer may still move it
 * away for a while, even with another idle vCPU on @p: 90% of the passes
 * on @p are asked when @passes_too, and printed always.
 */
static void quiet(const char *what, int p, bool passes_too)
{
	long m0 = migrated(), m, arrived, extra;
	unsigned long k0 = on_pnode(p), k, passes = 0, away = 0;
	double t0 = now();

	while (now() - t0 < QUIET_S) {
		read_pass();
		passes++;
		away += here() != p;
	}
	m = migrated() - m0;
	k = on_pnode(p);
	arrived = k > k0 ? (long)(k - k0) : 0;
	extra = m > arrived ? m - arrived : 0;
	if (!passes_too) {
		ksft_print_msg("%s: the test ran %lu of %lu passes off pnode %d\n",
			       what, away, passes, p);
		ksft_test_result(extra * 100 < (long)n && k * 100 >= n * 95,
				 "%s: in the next %d s, %ld pages migrated, %ld of them the last of the buffer coming to pnode %d: %ld others (under %lu wanted), %lu of %lu pages there\n",
				 what, QUIET_S, m, arrived, p, extra, n / 100, k, n);
		return;
	}
	ksft_test_result(extra * 100 < (long)n && away * 10 <= passes &&
			 k * 100 >= n * 95,
			 "%s: in the next %d s, %ld pages migrated, %ld of them the last of the buffer coming to pnode %d: %ld others (under %lu wanted), the test ran %lu of %lu passes off pnode %d (10%% at most), %lu of %lu pages there\n",
			 what, QUIET_S, m, arrived, p, extra, n / 100, away, passes, p, k, n);
}

static void show_sched(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/sched", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "numa_preferred_nid") ||
		    strstr(line, "current_pnode") ||
		    strstr(line, "numa_pages_migrated"))
			ksft_print_msg("/proc/self/sched: %s", line);
	if (f)
		fclose(f);
}

/* The task's preferred (p)node in /proc/self/sched, or -2. */
static long preferred(void)
{
	char line[256], *colon;
	FILE *f = fopen("/proc/self/sched", "r");
	long v = -2;

	while (f && fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (!strncmp(line, "numa_preferred_nid", 18) && colon)
			v = strtol(colon + 1, NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

/* A buffer of @mib MiB, not touched yet. */
static void map_buffer(unsigned long mib)
{
	n = (mib << 20) / psize;
	buf = mmap(NULL, n * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	status = calloc(n, sizeof(*status));
	if (buf == MAP_FAILED || !status)
		ksft_exit_fail_msg("%lu MiB: %s\n", mib, strerror(errno));
}

static void alloc_buffer(unsigned long mib)
{
	map_buffer(mib);
	memset(buf, 1, n * psize);
	if (xpv && wait_known(buf, n, psize, 30))
		ksft_exit_fail_msg("pages of the buffer without a pnode after 30 s\n");
}

static void balancing_on(void)
{
	long nb = read_long("/proc/sys/kernel/numa_balancing", NULL);

	ksft_test_result(nb == 1,
			 "kernel.numa_balancing is %ld with %ld pnodes, XPV turned it on\n",
			 nb, nr_pnodes);
}

static void test_vcpu(unsigned long mib)
{
	cpu_set_t set;
	double secs = 0;
	int p0, p1, from;
	unsigned long k;

	ksft_set_plan(6);
	balancing_on();
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("pin to vCPU 0: %s\n", strerror(errno));
	p0 = cpu_pnode(0, nr_pnodes);
	alloc_buffer(mib);
	k = on_pnode(p0);
	ksft_test_result(k * 2 > n,
			 "%lu MiB written on vCPU 0: most on its pnode %d (%lu of %lu pages)\n",
			 mib, p0, k, n);

	printf("XPVSYNC numab move-vcpu 0\n");
	fflush(stdout);
	ksft_test_result(wait_until(vcpu0_left, p0, CUE_S),
			 "the host moved vCPU 0 from pnode %d to pnode %d\n",
			 p0, cpu_pnode(0, nr_pnodes));
	p1 = follow("vcpu", &secs, &from);
	ksft_test_result(p1 >= 0 && p1 != p0,
			 "95%% of the buffer followed vCPU 0 to pnode %d in %.1f s (bound %d s)\n",
			 p1, secs, bound_s);
	if (p1 >= 0)
		printf("XPVNUMAB follow-vcpu seconds-to-95%% %.1f\n", secs);
	show_sched();
	ksft_test_result(p1 >= 0 && (preferred() == p1 || preferred() == -1),
			 "the task prefers pnode %d or none yet (/proc/self/sched says %ld)\n",
			 p1, preferred());
	quiet("vcpu", p1 >= 0 ? p1 : cpu_pnode(0, nr_pnodes), true);
	list_pages();
	printf("XPVSYNC numab listed vcpu %d\n", cpu_pnode(0, nr_pnodes));
	fflush(stdout);
}

static void test_memory(unsigned long mib)
{
	cpu_set_t all, one;
	double secs = 0;
	int p, away, p1, from;

	two_vcpus_each();
	ksft_set_plan(4);
	balancing_on();
	printf("XPVSYNC numab apart\n");
	fflush(stdout);
	if (!wait_until(vcpus_apart, 0, CUE_S))
		ksft_exit_fail_msg("after %d s, every vCPU still on the pnode of vCPU 0 (%d)\n",
				   CUE_S, cpu_pnode(0, nr_pnodes));
	/*
	 * Held on one vCPU until the host has moved the memory away: a
	 * wakeup elsewhere in the meantime would move the task to its
	 * memory with no balancing at all.
	 */
	if (sched_getaffinity(0, sizeof(all), &all))
		ksft_exit_fail_msg("sched_getaffinity: %s\n", strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		ksft_exit_fail_msg("pin: %s\n", strerror(errno));
	alloc_buffer(mib);
	p = here();
	away = !p;
	ksft_print_msg("the test runs on pnode %d; the host moves its %lu MiB to pnode %d\n",
		       p, mib, away);
	list_pages();
	printf("XPVSYNC numab move-pages %d\n", away);
	fflush(stdout);
	ksft_test_result(wait_until(buffer_on, away, CUE_S),
			 "the host moved 95%% of the buffer to pnode %d\n", away);
	if (sched_setaffinity(0, sizeof(all), &all))
		ksft_exit_fail_msg("unpin: %s\n", strerror(errno));
	p1 = follow("memory", &secs, &from);
	ksft_test_result(p1 >= 0,
			 "95%% of the buffer is where the test runs after %.1f s (bound %d s): %s\n",
			 secs, bound_s, p1 < 0 ? "neither" : p1 == from ?
			 "the task went to its memory" : "the memory came to the task");
	if (p1 >= 0)
		printf("XPVNUMAB follow-memory seconds-to-95%% %.1f %s\n", secs,
		       p1 == from ? "task-moved" : "memory-moved");
	show_sched();
	quiet("memory", p1 >= 0 ? p1 : here(), false);
	list_pages();
	printf("XPVSYNC numab listed memory %d\n", p1 >= 0 ? p1 : here());
	fflush(stdout);
}

static void test_churn(unsigned long mib)
{
	long f0 = read_long("/proc/vmstat", "numa_hint_faults");
	long m0 = migrated(), f;
	int i, st, ok = 0;
	pid_t pid[2];
	double t0;

	ksft_set_plan(2);
	balancing_on();
	printf("XPVSYNC numab churn\n");
	fflush(stdout);
	/* the host swaps from when it sees the cue */
	if (!wait_until(vcpu0_left, cpu_pnode(0, nr_pnodes), CUE_S))
		ksft_exit_fail_msg("vCPU 0 did not change pnode within %d s\n", CUE_S);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pid[i]) {
			alloc_buffer(mib);
			for (t0 = now(); now() - t0 < QUIET_S;)
				read_pass();
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++)
		ok += waitpid(pid[i], &st, 0) == pid[i] && WIFEXITED(st) &&
		      !WEXITSTATUS(st);
	printf("XPVSYNC numab churn-done\n");
	fflush(stdout);
	f = read_long("/proc/vmstat", "numa_hint_faults") - f0;
	ksft_test_result(ok == 2 && f > 0,
			 "2 readers of %lu MiB for %d s under vCPU swaps: %d finished, %ld hinting faults, %ld pages migrated\n",
			 mib, QUIET_S, ok, f, migrated() - m0);
}

/*
 * Shared memory.  Two threads of this process start on vCPUs of
 * different pnodes, each writes its half of the buffer there, and then,
 * unpinned, both read all of it.  Their hinting faults on each other's
 * pages put them in one numa_group, whose faults choose one pnode for
 * both: the threads move to its vCPUs, and the rest of the buffer
 * follows them.
 */
struct reader {
	pthread_t thread;
	int start;		/* the pnode it starts and writes on */
	pid_t tid;
	int pnode;		/* where it last read the buffer */
	unsigned long passes;
	unsigned long on[2];	/* passes on pnodes 0 and 1 */
};

static struct reader readers[2];
#define SHARED_STEP	16	/* watch one page in SHARED_STEP */
#define SHARED_REPORT_S	5	/* and report every SHARED_REPORT_S */
static pthread_barrier_t written;
static int stop_reading;

static void *shared_reader(void *arg)
{
	struct reader *r = arg;
	unsigned long half = n / 2 * psize;
	cpu_set_t set;

	r->tid = gettid();
	pnode_cpus(r->start, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("pin to pnode %d: %s\n", r->start,
				   strerror(errno));
	memset(buf + (r - readers) * half, 1, r == readers ? half :
	       n * psize - half);
	pthread_barrier_wait(&written);
	/* main checked where the halves went: now read it all, anywhere */
	pthread_barrier_wait(&written);
	pnode_cpus(-1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("unpin: %s\n", strerror(errno));
	while (!__atomic_load_n(&stop_reading, __ATOMIC_RELAXED)) {
		int p;

		read_pass();
		p = here();
		__atomic_store_n(&r->pnode, p, __ATOMIC_RELAXED);
		if (p == 0 || p == 1)
			__atomic_add_fetch(&r->on[p], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->passes, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * @k[p]: the pages of the buffer on pnode p, for each pnode, from one page
 * in @step (scaled).  The readers' progress is watched with SHARED_STEP:
 * a query of every page each second, slow under the lab's nested TCG,
 * made the test's own watch a third busy task beside the two readers.
 */
static void count_pnodes(unsigned long *k, unsigned long step)
{
	unsigned long i, m = (n + step - 1) / step;
	long r;

	r = move_pages_of(0, buf, m, psize * step, NULL, status,
			  MPOL_MF_PNODES);
	if (r)
		ksft_exit_fail_msg("move_pages(MPOL_MF_PNODES) query: %s\n",
				   strerror(-r));
	memset(k, 0, nr_pnodes * sizeof(*k));
	for (i = 0; i < m; i++)
		if (status[i] >= 0 && status[i] < nr_pnodes)
			k[status[i]] += step;
}

/* The numa_group_id thread @tid's /proc sched file shows, or -1. */
static long group_of(pid_t tid)
{
	char path[64], line[256], *g;
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/sched", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		g = strstr(line, "numa_group_id=");
		if (g)
			id = strtol(g + 14, NULL, 10);
	}
	if (f)
		fclose(f);
	return id;
}

/* In percent: of the pages each reader reads, the share on its pnode. */
static unsigned long locality(const unsigned long *k)
{
	unsigned long sum = 0;
	int i, p;

	for (i = 0; i < 2; i++) {
		p = __atomic_load_n(&readers[i].pnode, __ATOMIC_RELAXED);
		if (p >= 0 && p < nr_pnodes)
			sum += k[p];
	}
	return sum * 100 / (2 * n);
}

static void shared_progress(double t, const unsigned long *k, long g0,
			    long g1, long m)
{
	ksft_print_msg("shared: %5.1f s: threads on pnodes %d and %d, numa groups %ld and %ld\n",
		       t, readers[0].pnode, readers[1].pnode, g0, g1);
	ksft_print_msg("shared: %5.1f s: this watch's numa group %ld\n", t,
		       group_of(gettid()));
	ksft_print_msg("shared: %5.1f s: pages %lu/%lu on pnodes 0/1, %lu%% local, %ld migrated\n",
		       t, k[0], k[1], locality(k), m);
}

static void test_shared(unsigned long mib)
{
	unsigned long *k = calloc(nr_pnodes, sizeof(*k)), loc = 0;
	long g0 = -1, g1 = -1, m0, m, arrived, extra;
	unsigned long k0;
	double t0, secs = -1, last = 0;
	unsigned long passes[2], away[2];
	int i, p, home;
	bool done;

	if (!k)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	two_vcpus_each();
	ksft_set_plan(4);
	balancing_on();
	map_buffer(mib);
	pthread_barrier_init(&written, NULL, 3);
	for (i = 0; i < 2; i++) {
		readers[i].start = i;
		readers[i].pnode = -1;
		if (pthread_create(&readers[i].thread, NULL, shared_reader,
				   &readers[i]))
			ksft_exit_fail_msg("pthread_create failed\n");
	}
	pthread_barrier_wait(&written);
	if (wait_known(buf, n, psize, 30))
		ksft_exit_fail_msg("pages of the buffer without a pnode after 30 s\n");
	count_pnodes(k, 1);
	ksft_test_result(k[0] * 4 >= n && k[1] * 4 >= n,
			 "each thread wrote its half on its own pnode: %lu pages on pnode 0, %lu on pnode 1 (a quarter of %lu each, at least)\n",
			 k[0], k[1], n);
	m0 = migrated();
	t0 = now();
	pthread_barrier_wait(&written);

	/*
	 * Once a second, with a progress report every SHARED_REPORT_S: each
	 * wake-up of this watch, and of the lab's reader of the report, is a
	 * task beside the readers on two vCPUs a pnode.
	 */
	while (now() - t0 < bound_s) {
		sleep(1);
		count_pnodes(k, SHARED_STEP);
		loc = locality(k);
		g0 = group_of(readers[0].tid);
		g1 = group_of(readers[1].tid);
		done = g0 > 0 && g0 == g1 && loc >= 90;
		if (done || now() - last >= SHARED_REPORT_S) {
			last = now();
			shared_progress(last - t0, k, g0, g1, migrated() - m0);
		}
		if (done) {
			secs = now() - t0;
			break;
		}
	}
	ksft_test_result(g0 > 0 && g0 == g1,
			 "the two threads are in one numa_group (ids %ld and %ld)\n",
			 g0, g1);
	/*
	 * The pair gathers on one pnode with its memory (Documentation/mm/
	 * xpv.rst, "Pairs gather on one pnode").
	 */
	if (secs >= 0)
		printf("XPVNUMAB shared seconds-to-90%% %.1f\n", secs);
	ksft_test_result(secs >= 0,
			 "the threads' locality reached 90%% within %d s (%lu%% at %.1f s)\n",
			 bound_s, loc, secs >= 0 ? secs : now() - t0);

	/*
	 * The next QUIET_S, this thread asleep, printed: the pages that
	 * migrate, split into the rest of the buffer coming to the pnode
	 * that holds most of it and the others, and the share of each
	 * reader's passes on that pnode.  Not asked yet: this watch reads
	 * memory the readers write (their counters, and globals beside
	 * them), so its hinting faults make it a third member of their
	 * numa_group, and a group of three does not gather on a pnode of two
	 * vCPUs (Documentation/mm/xpv.rst): the balancer may then pull a
	 * reader to the other pnode for a scan period or more.
	 */
	count_pnodes(k, 1);
	home = k[1] > k[0];
	k0 = k[home];
	m0 = migrated();
	for (i = 0; i < 2; i++) {
		passes[i] = __atomic_load_n(&readers[i].passes, __ATOMIC_RELAXED);
		away[i] = __atomic_load_n(&readers[i].on[home], __ATOMIC_RELAXED);
	}
	sleep(QUIET_S);
	m = migrated() - m0;
	for (i = 0; i < 2; i++) {
		passes[i] = __atomic_load_n(&readers[i].passes, __ATOMIC_RELAXED) - passes[i];
		away[i] = passes[i] - (__atomic_load_n(&readers[i].on[home], __ATOMIC_RELAXED) -
				       away[i]);
	}
	count_pnodes(k, 1);
	arrived = k[home] > k0 ? (long)(k[home] - k0) : 0;
	extra = m > arrived ? m - arrived : 0;
	ksft_print_msg("shared: next %d s: %ld pages migrated, %ld to pnode %d, %ld others\n",
		       QUIET_S, m, arrived, home, extra);
	ksft_print_msg("shared: next %d s: %lu%% local, passes off it %lu/%lu and %lu/%lu\n",
		       QUIET_S, locality(k), away[0], passes[0], away[1], passes[1]);
	ksft_print_msg("shared: next %d s: numa groups %ld and %ld, this watch's %ld\n",
		       QUIET_S, group_of(readers[0].tid), group_of(readers[1].tid),
		       group_of(gettid()));
	__atomic_store_n(&stop_reading, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(readers[i].thread, NULL);
	p = k[1] > k[0];
	list_pages();
	printf("XPVSYNC numab listed shared %d\n", p);
	fflush(stdout);
}

static void test_control(unsigned long mib)
{
	double t0;
	cpu_set_t set;

	xpv = 0;
	ksft_set_plan(1);
	ksft_test_result(access(XPV_SYSFS, F_OK) && errno == ENOENT,
			 "no XPV here (no " XPV_SYSFS ")\n");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("pin to vCPU 0: %s\n", strerror(errno));
	alloc_buffer(mib);
	printf("XPVSYNC numab move-vcpu 0\n");
	fflush(stdout);
	for (t0 = now(); now() - t0 < QUIET_S;)
		read_pass();
	ksft_print_msg("read %lu MiB for %d s: %ld pages migrated\n", mib,
		       QUIET_S, migrated());
	list_pages();
	printf("XPVSYNC numab listed control\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;

	if (argc > 3)
		bound_s = atoi(argv[3]);
	else if (argc > 1 && !strcmp(argv[1], "shared"))
		bound_s = 180;

	ksft_print_header();
	psize = sysconf(_SC_PAGESIZE);
	if (argc >= 2 && !strcmp(argv[1], "control") && mib && mib <= 1024) {
		test_control(mib);
		ksft_finished();
	}
	nr_pnodes = read_sysfs("nr_pnodes");
	if (nr_pnodes < 2)
		ksft_exit_skip("XPV with two pnodes needed (nr_pnodes %ld)\n", nr_pnodes);
	if (argc < 2 || !mib || mib > 1024 || bound_s <= 0 ||
	    (strcmp(argv[1], "vcpu") && strcmp(argv[1], "memory") &&
	     strcmp(argv[1], "churn") && strcmp(argv[1], "shared")))
		ksft_exit_fail_msg("usage: %s vcpu|memory|churn|shared|control [MIB [S]]\n",
				   argv[0]);
	if (!strcmp(argv[1], "vcpu"))
		test_vcpu(mib);
	else if (!strcmp(argv[1], "memory"))
		test_memory(mib);
	else if (!strcmp(argv[1], "shared"))
		test_shared(mib);
	else
		test_churn(mib);
	ksft_finished();
}
