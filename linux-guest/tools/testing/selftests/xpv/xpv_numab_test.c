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
 *	(of a child process: the test watches them from outside) start on
 *	the vCPUs of different pnodes and each writes half of one
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
 * its passes (no ping-pong).  memory asks the same of the pages, and
 * prints where the test ran: a task that reached its memory before any
 * hinting fault prefers no pnode, and the balancer may move it away for a
 * while (914 of 2434 passes in one run of four, with two vCPUs on each
 * pnode), or for good, and its memory then follows it, once (the pnode
 * where the buffer ended is the one checked).
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
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/*
 * List the buffer's pages with their pnodes, for the host: those of
 * process @pid (0: this one), which maps the buffer where this one does.
 */
static void list_pages(pid_t pid)
{
	struct page_pnode *pages = calloc(n, sizeof(*pages));
	char path[64];
	unsigned long i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid ? pid : getpid());
	fd = open(path, O_RDONLY);
	if (!pages || fd < 0)
		ksft_exit_fail_msg("page list: %s\n", strerror(errno));
	if (xpv)
		move_pages_of(pid, buf, n, psize, NULL, status, MPOL_MF_PNODES);
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
 * @k[p]: process @pid's (0: this one's) pages of the buffer on pnode p, for each pnode,
 * from one page in @step (scaled); returns those with no pnode (scaled).
 * The readers' progress is watched with SHARED_STEP: a query of every
 * page each second, slow under the lab's nested TCG, made the test's own
 * watch a third busy task beside the two readers.
 */
static unsigned long count_pnodes(pid_t pid, unsigned long *k,
				  unsigned long step)
{
	unsigned long i, m = (n + step - 1) / step, none = 0;
	long r;

	r = move_pages_of(pid, buf, m, psize * step, NULL, status,
			  MPOL_MF_PNODES);
	if (r)
		ksft_exit_fail_msg("move_pages(MPOL_MF_PNODES) query: %s\n",
				   strerror(-r));
	memset(k, 0, nr_pnodes * sizeof(*k));
	for (i = 0; i < m; i++)
		if (status[i] >= 0 && status[i] < nr_pnodes)
			k[status[i]] += step;
		else
			none += step;
	return none;
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
 * on @p are asked when @passes_too, and printed always.  Without
 * @passes_too (the memory case, where the task met its memory with no
 * preferred pnode), a task the balancer moves away for good takes its
 * memory along, by upstream's rule: the buffer may then end on the other
 * pnode, once, and the same 1% applies to the pages that did not come
 * to the pnode where it ended.  Returns that pnode.
 */
static int quiet(const char *what, int p, bool passes_too)
{
	unsigned long k0[2], k1[2], k, passes = 0, away = 0;
	long m0, m, arrived, extra;
	double t0;
	int q = p;

	if (p != 0 && p != 1) {
		ksft_test_result_fail("%s: no pnode to stay on (%d)\n", what, p);
		return p;
	}
	count_pnodes(0, k0, 1);
	m0 = migrated();
	t0 = now();
	while (now() - t0 < QUIET_S) {
		read_pass();
		passes++;
		away += here() != p;
	}
	m = migrated() - m0;
	count_pnodes(0, k1, 1);
	if (!passes_too && k1[!p] * 2 > n)
		q = !p;
	k = k1[q];
	arrived = k > k0[q] ? (long)(k - k0[q]) : 0;
	arrived = arrived < m ? arrived : m;
	extra = m - arrived;
	if (!passes_too) {
		ksft_print_msg("%s: the test ran %lu of %lu passes off pnode %d\n",
			       what, away, passes, p);
		if (q != p)
			ksft_print_msg("%s: the buffer followed the test to pnode %d\n",
				       what, q);
		ksft_test_result(extra * 100 < (long)n && k * 100 >= n * 95,
				 "%s: in the next %d s, %ld pages migrated, %ld of them the buffer coming to pnode %d, where it ended: %ld others (under %lu wanted), %lu of %lu pages there\n",
				 what, QUIET_S, m, arrived, q, extra, n / 100, k, n);
		return q;
	}
	ksft_test_result(extra * 100 < (long)n && away * 10 <= passes &&
			 k * 100 >= n * 95,
			 "%s: in the next %d s, %ld pages migrated, %ld of them the last of the buffer coming to pnode %d: %ld others (under %lu wanted), the test ran %lu of %lu passes off pnode %d (10%% at most), %lu of %lu pages there\n",
			 what, QUIET_S, m, arrived, p, extra, n / 100, away, passes, p, k, n);
	return p;
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
	ksft_print_msg("vcpu: after the %d s, the task prefers pnode %ld\n",
		       QUIET_S, preferred());
	list_pages(0);
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
	list_pages(0);
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
	p1 = quiet("memory", p1 >= 0 ? p1 : here(), false);
	/* The placement that follows convergence runs at the next scan. */
	ksft_print_msg("memory: after the %d s, the task prefers pnode %ld\n",
		       QUIET_S, preferred());
	list_pages(0);
	printf("XPVSYNC numab listed memory %d\n", p1);
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
 * Shared memory.  Two threads start on vCPUs of different pnodes, each
 * writes its half of a buffer there, and then, unpinned, both read all
 * of it.  Their hinting faults on each other's pages put them in one
 * numa_group, whose faults choose one pnode for both: the threads move
 * to its vCPUs, and the rest of the buffer follows them.
 *
 * The pair must stay a pair: a thread of theirs that takes a hinting
 * fault on a page whose last fault was a running reader's joins their
 * numa_group, and a group of three does not gather on a pnode of two
 * vCPUs (Documentation/mm/xpv.rst).  Tasks of two processes join only
 * over a shared mapping.  So the readers are a child process of two
 * threads, its main thread and another, and the watch is this process,
 * which shares no mapping with the child: it counts where the child's
 * pages are with move_pages(), reads where the readers run and their
 * numa groups in /proc, and talks to them by pipes and signals.
 */
struct counts {
	unsigned long passes;
	unsigned long on[2];	/* passes on pnodes 0 and 1 */
	unsigned long mark, mark_on[2];	/* the same at SIGUSR1 */
};

struct reader {
	pthread_t thread;
	int start;		/* the pnode it starts and writes on */
	pid_t tid;
	int mark_req;		/* SIGUSR1 came: mark at the next pass */
	struct counts c;
};

static struct reader readers[2];	/* the child's */
static __thread struct reader *self;
static int stop_reading;
static pthread_barrier_t written;
#define SHARED_STEP	16	/* watch one page in SHARED_STEP */
#define SHARED_REPORT_S	5	/* and report every SHARED_REPORT_S */

/*
 * SIGUSR1: the reader it is sent to marks its pass counters before its
 * next pass; SIGUSR2: stop.
 */
static void reader_signal(int sig)
{
	if (sig == SIGUSR2)
		__atomic_store_n(&stop_reading, 1, __ATOMIC_RELAXED);
	else if (self)
		__atomic_store_n(&self->mark_req, 1, __ATOMIC_RELAXED);
}

/*
 * The child fails: say why and end.  Not ksft_exit_fail_msg(): its exit()
 * would print the child's copy of the test counts as if they were the
 * test's.  The watch sees the child end.
 */
static __printf(1, 2) void child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# readers: ");
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(KSFT_FAIL);
}

/* Write all of @buf or end: the child's side of the pipes. */
static void pipe_write(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		child_fail("pipe write: %s\n", strerror(errno));
}

/* Read all of @buf; false at end of file (the other side died). */
static bool pipe_read(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = read(fd, (char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += r;
	}
	return true;
}

static int child_cmd, child_report;	/* the child's ends of the pipes */

/*
 * A reader: write half @r - readers of the buffer on pnode @r->start,
 * then read all of it, anywhere, until SIGUSR2.  Between the two, reader
 * 0 reports the readers' ids and waits for the watch's go.
 */
static void *shared_reader(void *arg)
{
	struct reader *r = arg;
	unsigned long half = n / 2 * psize;
	pid_t tid[2];
	cpu_set_t set;
	char c;
	int p;

	self = r;
	r->tid = gettid();
	pnode_cpus(r->start, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		child_fail("pin to pnode %d: %s\n", r->start, strerror(errno));
	memset(buf + (r - readers) * half, 1, r == readers ? half :
	       n * psize - half);
	pthread_barrier_wait(&written);
	if (r == readers) {
		tid[0] = readers[0].tid;
		tid[1] = readers[1].tid;
		pipe_write(child_report, tid, sizeof(tid));
		if (!pipe_read(child_cmd, &c, 1))
			_exit(1);
	}
	pthread_barrier_wait(&written);
	pnode_cpus(-1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		child_fail("unpin: %s\n", strerror(errno));
	while (!__atomic_load_n(&stop_reading, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&r->mark_req, __ATOMIC_RELAXED)) {
			r->c.mark = r->c.passes;
			r->c.mark_on[0] = r->c.on[0];
			r->c.mark_on[1] = r->c.on[1];
			__atomic_store_n(&r->mark_req, 0, __ATOMIC_RELAXED);
		}
		read_pass();
		p = here();
		if (p == 0 || p == 1)
			r->c.on[p]++;
		r->c.passes++;
	}
	return NULL;
}

/*
 * The child: reader 0 is its main thread, reader 1 another.  When SIGUSR2
 * has stopped them, it reports their counters, and ends when @cmd says so
 * (the watch lists its pages first).
 */
static void shared_child(int cmd, int report)
{
	struct sigaction sa = { .sa_handler = reader_signal };
	struct counts counts[2];
	char c;

	child_cmd = cmd;
	child_report = report;
	/* a watch that fails ends the readers too */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		child_fail("PR_SET_PDEATHSIG: %s\n", strerror(errno));
	/* the watch ignores SIGPIPE; a child that outlives it need not */
	signal(SIGPIPE, SIG_DFL);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL))
		child_fail("sigaction: %s\n", strerror(errno));
	pthread_barrier_init(&written, NULL, 2);
	readers[0].start = 0;
	readers[1].start = 1;
	if (pthread_create(&readers[1].thread, NULL, shared_reader, &readers[1]))
		child_fail("pthread_create failed\n");
	shared_reader(&readers[0]);
	pthread_join(readers[1].thread, NULL);
	counts[0] = readers[0].c;
	counts[1] = readers[1].c;
	pipe_write(report, counts, sizeof(counts));
	pipe_read(cmd, &c, 1);
	_exit(0);
}

/* The numa_group_id that task @tid of @pid shows in /proc, or -1. */
static long group_of(pid_t pid, pid_t tid)
{
	char path[64], line[256], *g;
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", pid, tid);
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

/* The pnode of the CPU task @tid of @pid last ran on (/proc stat), or -1. */
static int pnode_of(pid_t pid, pid_t tid)
{
	char path[64], line[1024], *s;
	int i, cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	s = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	/* "processor" is field 39; field 3 follows the command's ')' */
	for (i = 2; s && i < 39; i++)
		s = strchr(s + 1, ' ');
	if (s && sscanf(s, " %d", &cpu) == 1)
		return cpu_pnode(cpu, nr_pnodes);
	return -1;
}

/* In percent: of the pages each reader reads, the share on its pnode. */
static unsigned long locality(const unsigned long *k, const int *pn)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < 2; i++)
		if (pn[i] >= 0 && pn[i] < nr_pnodes)
			sum += k[pn[i]];
	return sum * 100 / (2 * n);
}

/* The readers' process must still run: its end is the test's. */
static void child_alive(pid_t child)
{
	int st;

	if (waitpid(child, &st, WNOHANG) == child)
		ksft_exit_fail_msg("the readers' process ended (%s %d)\n",
				   WIFEXITED(st) ? "exit status" : "signal",
				   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void shared_progress(double t, const unsigned long *k,
			    const int *pn, const long *g, long m)
{
	ksft_print_msg("shared: %5.1f s: threads on pnodes %d and %d, numa groups %ld and %ld\n",
		       t, pn[0], pn[1], g[0], g[1]);
	ksft_print_msg("shared: %5.1f s: this watch's numa group %ld\n", t,
		       group_of(getpid(), gettid()));
	ksft_print_msg("shared: %5.1f s: pages %lu/%lu on pnodes 0/1, %lu%% local, %ld migrated\n",
		       t, k[0], k[1], locality(k, pn), m);
}

static void test_shared(unsigned long mib)
{
	unsigned long *k = calloc(nr_pnodes, sizeof(*k)), loc = 0, k0, none;
	long g[2] = { -1, -1 }, m0, m, arrived, extra;
	double t0, secs = -1, last = 0;
	unsigned long passes[2], away[2];
	struct counts rc[2];
	pid_t tid[2];
	int cmd[2], report[2], pn[2] = { -1, -1 }, i, p, home, st = -1;
	pid_t child;
	bool done;
	char c = 1;

	if (!k)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	two_vcpus_each();
	ksft_set_plan(4);
	balancing_on();
	map_buffer(mib);
	/* a child that died makes a write fail, not end this test silently */
	if (pipe(cmd) || pipe(report) || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	fflush(stdout);
	child = fork();
	if (child < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!child) {
		close(cmd[1]);
		close(report[0]);
		shared_child(cmd[0], report[1]);
	}
	close(cmd[0]);
	close(report[1]);
	if (!pipe_read(report[0], tid, sizeof(tid)))
		ksft_exit_fail_msg("the readers died before reporting their halves written\n");
	for (t0 = now(); (none = count_pnodes(child, k, 1)) && now() - t0 < 30;)
		usleep(200000);
	if (none)
		ksft_exit_fail_msg("%lu pages of the buffer without a pnode after 30 s\n",
				   none);
	ksft_test_result(k[0] * 4 >= n && k[1] * 4 >= n,
			 "each thread wrote its half on its own pnode: %lu pages on pnode 0, %lu on pnode 1 (a quarter of %lu each, at least)\n",
			 k[0], k[1], n);
	m0 = migrated();
	t0 = now();
	if (write(cmd[1], &c, 1) != 1)
		ksft_exit_fail_msg("the readers' go: %s\n", strerror(errno));

	/*
	 * Once a second, with a progress report every SHARED_REPORT_S: each
	 * wake-up of this watch, and of the lab's reader of the report, is a
	 * task beside the readers on two vCPUs a pnode.
	 */
	while (now() - t0 < bound_s) {
		sleep(1);
		child_alive(child);
		count_pnodes(child, k, SHARED_STEP);
		for (i = 0; i < 2; i++) {
			pn[i] = pnode_of(child, tid[i]);
			g[i] = group_of(child, tid[i]);
		}
		loc = locality(k, pn);
		done = g[0] > 0 && g[0] == g[1] && loc >= 90;
		if (done || now() - last >= SHARED_REPORT_S) {
			last = now();
			shared_progress(last - t0, k, pn, g, migrated() - m0);
		}
		if (done) {
			secs = now() - t0;
			break;
		}
	}
	ksft_test_result(g[0] > 0 && g[0] == g[1],
			 "the two threads are in one numa_group (ids %ld and %ld)\n",
			 g[0], g[1]);
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
	 * The next QUIET_S, printed: the pages that migrate, split into the
	 * rest of the buffer coming to the pnode that holds most of it and
	 * the others, and the share of each reader's passes on that pnode
	 * (from SIGUSR1's mark to SIGUSR2's stop).
	 */
	count_pnodes(child, k, 1);
	home = k[1] > k[0];
	k0 = k[home];
	m0 = migrated();
	child_alive(child);
	for (i = 0; i < 2; i++)
		if (syscall(__NR_tgkill, child, tid[i], SIGUSR1))
			ksft_exit_fail_msg("SIGUSR1: %s\n", strerror(errno));
	sleep(QUIET_S);
	for (i = 0; i < 2; i++) {
		pn[i] = pnode_of(child, tid[i]);
		g[i] = group_of(child, tid[i]);
	}
	if (kill(child, SIGUSR2))
		ksft_exit_fail_msg("SIGUSR2: %s\n", strerror(errno));
	if (!pipe_read(report[0], rc, sizeof(rc)))
		ksft_exit_fail_msg("the readers died before their report\n");
	m = migrated() - m0;
	for (i = 0; i < 2; i++) {
		passes[i] = rc[i].passes - rc[i].mark;
		away[i] = passes[i] - (rc[i].on[home] - rc[i].mark_on[home]);
	}
	count_pnodes(child, k, 1);
	arrived = k[home] > k0 ? (long)(k[home] - k0) : 0;
	arrived = arrived < m ? arrived : m;
	extra = m - arrived;
	ksft_print_msg("shared: next %d s: %ld pages migrated, %ld to pnode %d, %ld others\n",
		       QUIET_S, m, arrived, home, extra);
	ksft_print_msg("shared: next %d s: %lu%% local, passes off pnode %d %lu/%lu and %lu/%lu\n",
		       QUIET_S, locality(k, pn), home, away[0], passes[0], away[1],
		       passes[1]);
	ksft_print_msg("shared: next %d s: numa groups %ld and %ld, this watch's %ld\n",
		       QUIET_S, g[0], g[1], group_of(getpid(), gettid()));
	p = k[1] > k[0];
	list_pages(child);
	printf("XPVSYNC numab listed shared %d\n", p);
	fflush(stdout);
	if (write(cmd[1], &c, 1) != 1)
		ksft_exit_fail_msg("the readers' end: %s\n", strerror(errno));
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		ksft_exit_fail_msg("the readers' process did not end well (status %#x)\n", st);
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
	list_pages(0);
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
	if (nr_pnodes != 2)
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
