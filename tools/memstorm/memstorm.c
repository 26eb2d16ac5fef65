// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-memstorm: a storm of page migrations on a running VM, for the XPV
 * memory-placement benchmark.
 *
 *   xpv-memstorm PID CALLS PAGES
 *
 * Finds the largest anonymous mapping of process PID (a QEMU's guest
 * RAM) and makes CALLS move_pages() calls on it, each moving PAGES
 * consecutive pages, spread over the mapping, alternately to host nodes
 * 1 and 0.  Prints how many pages moved and how long it took.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmram.h"

#define MPOL_MF_MOVE	(1 << 1)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	unsigned long start, size, pages, calls, i, k, slots, moved = 0;
	long pagesize = sysconf(_SC_PAGESIZE);
	void **addr;
	int pid, *nodes, *status, r;
	double t;

	if (argc != 4) {
		fprintf(stderr, "usage: xpv-memstorm PID CALLS PAGES\n");
		return 2;
	}
	pid = atoi(argv[1]);
	calls = strtoul(argv[2], NULL, 0);
	pages = strtoul(argv[3], NULL, 0);
	if (pid <= 0 || !calls || !pages || pages > 65536) {
		fprintf(stderr, "xpv-memstorm: bad PID, CALLS or PAGES\n");
		return 2;
	}
	r = vm_ram(pid, &start, &size);
	if (r) {
		fprintf(stderr, "xpv-memstorm: no anonymous mapping in process %d: %s\n",
			pid, strerror(-r));
		return 1;
	}
	slots = size / (pages * pagesize);
	if (!slots) {
		fprintf(stderr, "xpv-memstorm: the mapping is smaller than %lu pages\n",
			pages);
		return 1;
	}
	addr = calloc(pages, sizeof(*addr));
	nodes = calloc(pages, sizeof(*nodes));
	status = calloc(pages, sizeof(*status));
	if (!addr || !nodes || !status)
		return 1;

	t = now_ms();
	for (k = 0; k < calls; k++) {
		/* A stride coprime with most slot counts spreads the calls. */
		unsigned long slot = (k * 7919) % slots;

		for (i = 0; i < pages; i++) {
			addr[i] = (void *)(start + (slot * pages + i) * pagesize);
			nodes[i] = !(k % 2);
		}
		if (syscall(__NR_move_pages, pid, pages, addr, nodes, status,
			    MPOL_MF_MOVE) < 0) {
			fprintf(stderr, "xpv-memstorm: move_pages: %s\n",
				strerror(errno));
			return 1;
		}
		for (i = 0; i < pages; i++)
			moved += status[i] == nodes[i];
	}
	t = now_ms() - t;
	printf("xpv-memstorm: %lu calls of %lu pages on %lu MiB at %#lx: %lu pages moved in %.0f ms\n",
	       calls, pages, size >> 20, start, moved, t);
	return 0;
}
