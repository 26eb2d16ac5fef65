// SPDX-License-Identifier: GPL-2.0
/*
 * xpv_cpuset_test: move_pages(2) on pnodes keeps another task's memory
 * inside that task's cpuset, in a guest with XPV active and two guest
 * (static vNUMA) nodes.
 *
 *   xpv_cpuset_test [MIB]
 *
 * The test writes MIB MiB (default 16) of a memfd, bound to guest node 0,
 * from CPU 0.  A child joins a cgroup whose cpuset allows guest node 1
 * only, maps the memfd and reads it: the pages are its own now (mapped
 * by it alone), on a node its cpuset forbids, as page cache a task maps
 * after joining a cpuset can be.  The test then moves those of the
 * child's pages that are on pnode 0 to pnode 1 with
 * move_pages(child, MPOL_MF_PNODES).  Each page that moved (a new page
 * frame in the child's pagemap) must be on pnode 1 and on guest node 1,
 * at least half of them must move, and the child must read the same
 * data after the move: the copy of a page goes where the target's
 * cpuset allows, whatever the pnode asked.  A page whose frame stayed
 * did not move, whatever pnode it is on now: the host may move guest
 * node 0's memory to pnode 1 meanwhile (the lab's L1 stripes it while
 * the guest runs), and such a page is counted and printed apart.  The
 * test reads the child's page frames, and needs CAP_SYS_ADMIN for them
 * as for the cgroup.  The guest needs
 * guest nodes 0 and 1 with memory, pnode 1 memory on node 1, and a
 * cgroup2 hierarchy it can mount (CAP_SYS_ADMIN).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "xpv_util.h"

#define CGROOT	"/sys/fs/cgroup"
#define CG	CGROOT "/xpv_cpuset_test"
#define MAXNODE	(8 * sizeof(unsigned long) + 1)

static long psize;

/*
 * The page frame of each of the @n pages of process @pid at @addr (0 for
 * one not present), from its pagemap.
 */
static void read_frames(pid_t pid, char *addr, unsigned long n, uint64_t *pfn)
{
	char path[64];
	unsigned long i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	for (i = 0; i < n; i++)
		pfn[i] = page_frame(fd, addr + i * psize, psize);
	close(fd);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s));
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* A cgroup whose cpuset allows guest node 1 only. */
static void make_cgroup(void)
{
	long r;

	mkdir(CGROOT, 0755);
	if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		ksft_exit_skip("mount cgroup2 on " CGROOT ": %s\n",
			       strerror(errno));
	r = write_file(CGROOT "/cgroup.subtree_control", "+cpuset");
	if (r)
		ksft_exit_skip("no cgroup2 cpuset controller: %s\n",
			       strerror(-r));
	if (mkdir(CG, 0755) && errno != EEXIST)
		ksft_exit_fail_msg("mkdir " CG ": %s\n", strerror(errno));
	r = write_file(CG "/cpuset.mems", "1");
	if (r)
		ksft_exit_fail_msg("cpuset.mems = 1: %s\n", strerror(-r));
}

/* move_pages(2) of @pid's @n pages at @addr: @flags, @nodes NULL: query. */
static long sys_move(pid_t pid, char *addr, unsigned long n, int *nodes,
		     int *status, int flags)
{
	return move_pages_of(pid, addr, n, psize, nodes, status, flags);
}

static unsigned long sum_pages(const char *map, unsigned long n)
{
	unsigned long i, sum = 0;

	for (i = 0; i < n; i++)
		sum += map[i * psize];
	return sum;
}

/*
 * The child: join the cgroup, map the memfd, read it, say where, wait,
 * read it again (the copies must hold the data).
 */
static void child(int fd, unsigned long n, int up, int down)
{
	char buf[64], *map;
	unsigned long sum;

	snprintf(buf, sizeof(buf), "%d", getpid());
	if (write_file(CG "/cgroup.procs", buf))
		_exit(2);
	map = mmap(NULL, n * psize, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		_exit(3);
	sum = sum_pages(map, n);
	if (write(up, &map, sizeof(map)) != sizeof(map))
		_exit(4);
	/* Until the parent is done, or gone. */
	if (read(down, buf, 1) < 0)
		_exit(5);
	_exit(sum == 0x5a * n && sum_pages(map, n) == sum ? 0 : 6);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	unsigned long node0 = 1, n, i, asked = 0, moved = 0, outside = 0;
	unsigned long stayed = 0, wrong_pnode = 0, not_node0 = 0, host = 0;
	int up[2], down[2], *pnode, *node, *target, *status, fd, wst;
	uint64_t *pfn0, *pfn;
	char *page, *addr;
	cpu_set_t cpus;
	pid_t pid;
	long r;

	ksft_print_header();
	psize = sysconf(_SC_PAGESIZE);
	n = mib * 1024 * 1024 / psize;
	if (read_sysfs("nr_pnodes") < 2)
		ksft_exit_skip("XPV is not active with two pnodes (nr_pnodes %ld)\n",
			       read_sysfs("nr_pnodes"));
	if (access("/sys/devices/system/node/node1", F_OK))
		ksft_exit_skip("the guest has no node 1 (static vNUMA)\n");
	ksft_set_plan(2);

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		ksft_exit_fail_msg("pin to CPU 0: %s\n", strerror(errno));
	make_cgroup();

	/* The memfd's pages, on guest node 0 (pnode 0 first: CPU 0's). */
	if (syscall(__NR_set_mempolicy, MPOL_BIND, &node0, MAXNODE))
		ksft_exit_fail_msg("set_mempolicy(BIND, {0}): %s\n", strerror(errno));
	fd = memfd_create("xpv_cpuset_test", 0);
	page = malloc(psize);
	if (fd < 0 || !page || ftruncate(fd, n * psize))
		ksft_exit_fail_msg("memfd of %lu MiB: %s\n", mib, strerror(errno));
	memset(page, 0x5a, psize);
	for (i = 0; i < n; i++)
		if (pwrite(fd, page, psize, i * psize) != psize)
			ksft_exit_fail_msg("write the memfd: %s\n", strerror(errno));
	syscall(__NR_set_mempolicy, MPOL_DEFAULT, NULL, 0);

	if (pipe(up) || pipe(down))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		close(up[0]);
		close(down[1]);
		child(fd, n, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &addr, sizeof(addr)) != sizeof(addr)) {
		waitpid(pid, &wst, 0);
		ksft_exit_fail_msg("the child did not map the memfd (exit status %d)\n",
				   WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
	}

	pnode = calloc(n, sizeof(int));
	node = calloc(n, sizeof(int));
	target = calloc(n, sizeof(int));
	status = calloc(n, sizeof(int));
	pfn0 = calloc(n, sizeof(*pfn0));
	pfn = calloc(n, sizeof(*pfn));
	if (!pnode || !node || !target || !status || !pfn0 || !pfn)
		ksft_exit_fail_msg("out of memory\n");
	r = sys_move(pid, addr, n, NULL, node, 0);
	if (!r)
		r = sys_move(pid, addr, n, NULL, pnode, MPOL_MF_PNODES);
	if (r)
		ksft_exit_fail_msg("move_pages(child, query): %s\n", strerror(-r));
	for (i = 0; i < n; i++)
		not_node0 += node[i] != 0;
	ksft_test_result(!not_node0,
			 "the child's %lu pages lie on guest node 0, outside its cpuset (%lu elsewhere)\n",
			 n, not_node0);

	/* Those on pnode 0, to pnode 1; the others are left out. */
	read_frames(pid, addr, n, pfn0);
	for (i = 0; i < n; i++) {
		if (node[i] != 0 || pnode[i] != 0)
			continue;
		if (!pfn0[i])
			ksft_exit_fail_msg("no frame for page %lu in the child's pagemap\n",
					   i);
		target[asked++] = i;
	}
	if (asked) {
		void **addrs = calloc(asked, sizeof(*addrs));
		int *nodes = calloc(asked, sizeof(int));

		if (!addrs || !nodes)
			ksft_exit_fail_msg("out of memory\n");
		for (i = 0; i < asked; i++) {
			addrs[i] = addr + target[i] * psize;
			nodes[i] = 1;
		}
		r = syscall(__NR_move_pages, pid, asked, addrs, nodes, status,
			    MPOL_MF_MOVE | MPOL_MF_PNODES);
		r = r < 0 ? -errno : r;
		ksft_print_msg("move_pages(child, %lu pages to pnode 1, MPOL_MF_PNODES): %ld\n",
			       asked, r);
		memset(node, 0xff, n * sizeof(int));
		memset(pnode, 0xff, n * sizeof(int));
		if (sys_move(pid, addr, n, NULL, node, 0) ||
		    sys_move(pid, addr, n, NULL, pnode, MPOL_MF_PNODES))
			ksft_exit_fail_msg("move_pages(child, query) after the move\n");
		read_frames(pid, addr, n, pfn);
		/*
		 * Where each page is now, not the status array: a batch that
		 * partly failed leaves no status for any of its pages.
		 */
		for (i = 0; i < asked; i++) {
			unsigned long k = target[i];

			if (pfn[k] == pfn0[k]) {
				stayed++;
				host += pnode[k] != 0;
				continue;
			}
			moved++;
			if (node[k] != 1)
				outside++;
			if (pnode[k] != 1)
				wrong_pnode++;
		}
		free(addrs);
		free(nodes);
	}
	ksft_print_msg("%lu pages on pnode 0 asked to pnode 1: %lu moved, %lu not\n",
		       asked, moved, stayed);
	if (host)
		ksft_print_msg("%lu not moved are on another pnode now: the host moved them\n",
			       host);
	ksft_print_msg("moved: %lu outside the cpuset, %lu not on pnode 1\n",
		       outside, wrong_pnode);
	ksft_test_result(r >= 0 && asked && moved * 2 >= asked && !outside &&
			 !wrong_pnode,
			 "move_pages(MPOL_MF_PNODES) put the child's pages on pnode 1 inside its cpuset (guest node 1)\n");

	close(down[1]);
	waitpid(pid, &wst, 0);
	rmdir(CG);
	if (!WIFEXITED(wst) || WEXITSTATUS(wst))
		ksft_exit_fail_msg("the child read wrong data or died (status %#x)\n",
				   wst);
	ksft_finished();
}
