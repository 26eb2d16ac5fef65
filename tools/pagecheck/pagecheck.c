// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-pagecheck: the host's ground truth for an XPV guest's pages.
 *
 *   xpv-pagecheck stripe PID NODE
 *       move the present pages of every other 2 MiB chunk (the odd ones)
 *       of QEMU process PID's guest RAM to host node NODE
 *   xpv-pagecheck move PID NODE
 *       read "XPVPAGES <pfn> <count> <pnode>" lines and move those guest
 *       page frames of QEMU process PID to host node NODE
 *   xpv-pagecheck check PID [PAGES [NODES]]
 *       read "XPVPAGES <pfn> <count> <pnode>" lines (what the guest says:
 *       <count> guest page frames from <pfn> on are on pnode <pnode>;
 *       other text, and a prefix before XPVPAGES, are ignored) and compare
 *       each page with the host node move_pages(2) finds it on
 *
 * stripe and move exit 1 if they moved nothing, 2 for a host node that
 * does not exist.  check prints what agrees and what does not, and exits 1
 * unless every page the guest named is present on the node it said, the
 * guest named PAGES pages (if given, not 0) on at least NODES nodes (if
 * given), and every XPVPAGES line was well formed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmram.h"

#define MPOL_MF_MOVE	(1 << 1)
#define CHUNK		(2UL << 20)
#define BATCH		4096
#define MAX_NODES	64

static int pid;
static unsigned long ram, ram_size;
static long psize;
static void *addr[BATCH];
static int nodes[BATCH], status[BATCH];

static void die(const char *what)
{
	fprintf(stderr, "xpv-pagecheck: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Move the @n pages in addr[] to @node; how many are there now. */
static unsigned long move_batch(unsigned long n, int node)
{
	unsigned long i, moved = 0;

	for (i = 0; i < n; i++)
		nodes[i] = node;
	if (syscall(__NR_move_pages, pid, n, addr, nodes, status,
		    MPOL_MF_MOVE) < 0)
		die("move_pages");
	for (i = 0; i < n; i++)
		moved += status[i] == node;
	return moved;
}

/* Pages queued in addr[] for move_to(), and those moved so far. */
static unsigned long queued, moved;

/* Queue the page at guest-physical @gpa to move to @node, a batch at a time. */
static void move_to(unsigned long gpa, int node)
{
	addr[queued++] = (void *)(ram + gpa);
	if (queued == BATCH) {
		moved += move_batch(queued, node);
		queued = 0;
	}
}

/* Move what move_to() still holds; how many pages are on @node now. */
static unsigned long moved_to(int node)
{
	if (queued)
		moved += move_batch(queued, node);
	queued = 0;
	return moved;
}

/* 0, or 1 after saying so if host node @node does not exist. */
static int no_node(int node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	if (node >= 0 && !access(path, F_OK))
		return 0;
	fprintf(stderr, "xpv-pagecheck: host node %d does not exist\n", node);
	return 1;
}

static int stripe(int node)
{
	unsigned long off, i;

	if (no_node(node))
		return 2;
	for (off = CHUNK; off < ram_size; off += 2 * CHUNK)
		for (i = 0; i < CHUNK / psize && off + i * psize < ram_size; i++)
			move_to(off + i * psize, node);
	printf("odd 2 MiB chunks of %lu MiB of guest RAM: %lu pages now on host node %d\n",
	       ram_size >> 20, moved_to(node), node);
	return !moved;
}

/*
 * The next well-formed "XPVPAGES <pfn> <count> <pnode>" line on stdin:
 * 1, or 0 at the end.  Malformed ones are counted in *@malformed.
 */
static int next_range(unsigned long *pfn, unsigned long *n, int *pnode,
		      unsigned long *malformed)
{
	char line[512], *p, end;

	while (fgets(line, sizeof(line), stdin)) {
		p = strstr(line, "XPVPAGES ");
		if (!p)
			continue;
		/* A console may break a line: count it, do not guess. */
		if (sscanf(p, "XPVPAGES %lu %lu %d%c", pfn, n, pnode, &end) != 4 ||
		    end != '\n' || !*n) {
			if ((*malformed)++ < 5)
				printf("  malformed: %s", p);
			continue;
		}
		return 1;
	}
	return 0;
}

static int move_listed(int node)
{
	unsigned long pfn, n, i, pages = 0, malformed = 0;
	int pnode;

	if (no_node(node))
		return 2;
	while (next_range(&pfn, &n, &pnode, &malformed)) {
		for (i = 0; i < n && pfn + i >= pfn &&
			    pfn + i < ram_size / psize; i++) {
			move_to((pfn + i) * psize, node);
			pages++;
		}
	}
	printf("%lu listed guest pages (malformed lines %lu): %lu now on host node %d\n",
	       pages, malformed, moved_to(node), node);
	return !moved || malformed;
}

struct tally {
	unsigned long pages, agree, disagree, absent, outside, malformed;
	unsigned long said[MAX_NODES], has[MAX_NODES];
};

/* Look up @n pages from guest frame @pfn that the guest says are on @pnode. */
static void check_range(struct tally *t, unsigned long pfn, unsigned long n,
			int pnode)
{
	unsigned long i, k, done;
	long r;

	for (done = 0; done < n; done += k) {
		for (k = 0; k < BATCH && done + k < n; k++) {
			unsigned long f = pfn + done + k;
			unsigned long gpa = f * psize;

			addr[k] = (void *)(ram + gpa);
			if (f < pfn || f >= ram_size / psize) {
				t->outside += n - done - k;
				t->pages += n - done - k;
				if (pnode >= 0 && pnode < MAX_NODES)
					t->said[pnode] += n - done - k;
				n = done + k;
				break;
			}
		}
		if (!k)
			break;
		r = syscall(__NR_move_pages, pid, k, addr, NULL, status, 0);
		if (r < 0)
			die("move_pages");
		for (i = 0; i < k; i++) {
			t->pages++;
			if (pnode >= 0 && pnode < MAX_NODES)
				t->said[pnode]++;
			if (status[i] < 0) {
				t->absent++;
				continue;
			}
			if (status[i] < MAX_NODES)
				t->has[status[i]]++;
			if (status[i] == pnode) {
				t->agree++;
			} else if (t->disagree++ < 5) {
				printf("  guest frame %#lx: the guest says pnode %d, the host has it on node %d\n",
				       pfn + done + i, pnode, status[i]);
			}
		}
	}
}

static int check(unsigned long want_pages, int want_nodes)
{
	static struct tally t;
	unsigned long pfn, n;
	int pnode, node, nodes = 0;

	while (next_range(&pfn, &n, &pnode, &t.malformed))
		check_range(&t, pfn, n, pnode);
	printf("pages %lu: agree %lu, disagree %lu, not present on the host %lu, outside guest RAM %lu, malformed lines %lu\n",
	       t.pages, t.agree, t.disagree, t.absent, t.outside, t.malformed);
	for (node = 0; node < MAX_NODES; node++) {
		if (t.said[node] || t.has[node])
			printf("  node %d: the guest says %lu pages, the host has %lu of them\n",
			       node, t.said[node], t.has[node]);
		nodes += t.said[node] > 0;
	}
	if (want_pages && t.pages != want_pages)
		printf("the guest named %lu pages, not %lu\n", t.pages, want_pages);
	if (nodes < want_nodes)
		printf("the pages are on %d nodes, not at least %d\n", nodes, want_nodes);
	return !t.pages || t.disagree || t.absent || t.outside || t.malformed ||
	       (want_pages && t.pages != want_pages) || nodes < want_nodes;
}

int main(int argc, char **argv)
{
	int r;

	psize = sysconf(_SC_PAGESIZE);
	if (!(argc == 4 && !strcmp(argv[1], "stripe")) &&
	    !(argc == 4 && !strcmp(argv[1], "move")) &&
	    !(argc >= 3 && argc <= 5 && !strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: xpv-pagecheck stripe PID NODE\n"
				"       xpv-pagecheck move PID NODE < guest's XPVPAGES lines\n"
				"       xpv-pagecheck check PID [PAGES [NODES]] < guest's XPVPAGES lines\n");
		return 2;
	}
	pid = atoi(argv[2]);
	if (pid <= 0) {
		fprintf(stderr, "xpv-pagecheck: '%s' is not a PID\n", argv[2]);
		return 2;
	}
	r = vm_ram(pid, &ram, &ram_size);
	if (r) {
		errno = -r;
		die("no guest RAM (anonymous mapping) in that process");
	}
	if (!strcmp(argv[1], "stripe"))
		return stripe(atoi(argv[3]));
	if (!strcmp(argv[1], "move"))
		return move_listed(atoi(argv[3]));
	return check(argc > 3 ? strtoul(argv[3], NULL, 0) : 0,
		     argc > 4 ? atoi(argv[4]) : 0);
}
