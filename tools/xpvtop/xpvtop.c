// SPDX-License-Identifier: GPL-2.0
/*
 * xpvtop: the live host NUMA topology of this XPV guest: pnodes, their
 * vCPUs and memory, distances and the topology version.  It redraws when
 * the version changes, sleeping in poll() in between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xpv.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xpvtop [-1] [-n UPDATES] [-t SECONDS] [--sysfs ROOT]\n"
		"  -1            print the topology once and exit\n"
		"  -n UPDATES    exit after UPDATES topology changes\n"
		"  -t SECONDS    exit when nothing changed for SECONDS\n"
		"  --sysfs ROOT  read ROOT/devices/system/xpv (default /sys)\n"
		"Without -1, -n or -t it runs until interrupted.  The screen is\n"
		"not cleared when the output is not a terminal.\n");
}

/*
 * One screen, headed by version @v, read before the rest: should the
 * topology change while the screen is read, the next screen shows it
 * under its own, newer, version.
 */
static int show(uint64_t v, int clear)
{
	int n = xpv_nr_pnodes(), p, q, d;
	char stamp[32];
	time_t now = time(NULL);
	unsigned int cpu, pnode;
	int r;

	if (n < 0)
		return n;
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
	if (clear)
		printf("\033[H\033[2J");
	printf("xpvtop %s  topology version %" PRIu64 "  %d pnodes  (%s)\n",
	       stamp, v, n, xpv_backend_name(xpv_init(NULL)));
	printf("%-7s %-20s %12s  distances\n", "pnode", "vCPUs", "memory MiB");
	for (p = 0; p < n; p++) {
		char cpus[256] = "";
		int64_t mem = xpv_pnode_memory(p);

		if (xpv_pnode_cpulist(p, cpus, sizeof(cpus)))
			cpus[0] = '\0';
		printf("%-7d %-20s %12" PRId64 " ", p, cpus[0] ? cpus : "-",
		       mem < 0 ? (int64_t)-1 : mem >> 20);
		for (q = 0; q < n; q++) {
			d = xpv_distance(p, q);
			printf(" %3d", d);
		}
		printf("\n");
	}
	r = xpv_getnode(&cpu, &pnode);
	if (r == 0)
		printf("this thread: cpu %u on pnode %u\n", cpu, pnode);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysfs", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int once = 0, updates = -1, timeout_s = -1, c, clear;
	const char *root = NULL;
	uint64_t v;
	int64_t r;

	while ((c = getopt_long(argc, argv, "1n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case '1':
			once = 1;
			break;
		case 'n':
			updates = atoi(optarg);
			if (updates < 0) {
				fprintf(stderr, "xpvtop: -n needs a count\n");
				return 2;
			}
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				fprintf(stderr, "xpvtop: -t needs seconds > 0\n");
				return 2;
			}
			break;
		case 's':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (xpv_init(root) == XPV_BACKEND_NONE) {
		fprintf(stderr, "xpvtop: no XPV here (no /sys/devices/system/xpv):"
			" the host does not offer it, or the guest booted with xpv=off\n");
		return 1;
	}
	clear = isatty(STDOUT_FILENO) && !once;
	for (;;) {
		v = xpv_version();
		if (show(v, clear) < 0) {
			fprintf(stderr, "xpvtop: cannot read the topology: %s\n",
				strerror(errno));
			return 1;
		}
		if (once || updates == 0)
			return 0;
		r = xpv_wait_change(v, timeout_s < 0 ? -1 : timeout_s * 1000);
		if (r == 0)
			return 0;	/* nothing changed for -t seconds */
		if (r < 0) {
			fprintf(stderr, "xpvtop: waiting for a change: %s\n",
				strerror((int)-r));
			return 1;
		}
		if (updates > 0)
			updates--;
	}
}
