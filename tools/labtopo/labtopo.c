// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-labtopo: the lab's emulated NUMA machine.
 *
 *   xpv-labtopo qemu-args --nodes N --cpus C --mem MIB [--distance M]
 *	prints the QEMU options (-smp, -m, memory backends, -numa node/dist)
 *	for that machine, one argument per line.
 *   xpv-labtopo verify --nodes N --cpus C --mem MIB [--distance M] [--sysfs DIR]
 *	run inside L1: checks that the kernel sees exactly that machine
 *	(online nodes, each node's CPUs, distances and memory).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

/* A node reports less than it was given (kernel image, memmap, holes). */
#define MEM_MIN_PERCENT 75

static const char *sysfs = "/sys/devices/system/node";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xpv-labtopo qemu-args|verify --nodes N --cpus C --mem MIB\n"
		"                   [--distance \"10,20;20,10\"] [--sysfs DIR]\n");
}

static int read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "verify: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static void qemu_args(const struct topo *t)
{
	char cpus[128];
	cpuset_t set;
	unsigned int i, j, first;

	/* One socket per node: a last-level cache shared across nodes makes
	 * Linux warn ("llc-sibling ... is not on the same node"). */
	printf("-smp\n%u,sockets=%u,cores=%u,threads=1\n-m\n%uM\n", t->cpus, t->nodes,
	       t->cpus / t->nodes, t->mem_mib);
	for (i = 0; i < t->nodes; i++) {
		set = topo_node_cpus(t, i);
		first = (unsigned int)__builtin_ctzll(set);
		/* QEMU's cpus= takes a range; ours are contiguous */
		snprintf(cpus, sizeof(cpus), "%u-%u", first,
			 first + (unsigned int)__builtin_popcountll(set) - 1);
		printf("-object\nmemory-backend-ram,id=xpv-m%u,size=%uM\n", i,
		       topo_node_mem(t, i));
		printf("-numa\nnode,nodeid=%u,cpus=%s,memdev=xpv-m%u\n", i, cpus, i);
	}
	for (i = 0; i < t->nodes; i++)
		for (j = 0; j < t->nodes; j++)
			if (i != j)
				printf("-numa\ndist,src=%u,dst=%u,val=%u\n", i, j, t->dist[i][j]);
}

static int verify_node(const struct topo *t, unsigned int n)
{
	char dir[256], buf[4096], want[128], got[128];
	unsigned long kb;
	unsigned int j, v;
	cpuset_t set;
	const char *p;
	char *end;
	int bad = 0;

	snprintf(dir, sizeof(dir), "%s/node%u", sysfs, n);
	if (read_file(dir, "cpulist", buf, sizeof(buf)))
		return 1;
	if (cpulist_parse(buf, &set)) {
		fprintf(stderr, "verify: node%u: malformed cpulist '%s'\n", n, buf);
		return 1;
	}
	cpulist_format(topo_node_cpus(t, n), want, sizeof(want));
	cpulist_format(set, got, sizeof(got));
	if (set != topo_node_cpus(t, n)) {
		fprintf(stderr, "verify: node%u: cpus %s, expected %s\n", n, got, want);
		bad = 1;
	}

	if (read_file(dir, "distance", buf, sizeof(buf)))
		return 1;
	p = buf;
	for (j = 0; j < t->nodes; j++) {
		v = (unsigned int)strtoul(p, &end, 10);
		if (end == p || v != t->dist[n][j]) {
			fprintf(stderr, "verify: node%u: distance row '%.*s', expected %u to node%u\n",
				n, (int)strcspn(buf, "\n"), buf, t->dist[n][j], j);
			bad = 1;
			break;
		}
		p = end;
	}
	if (!bad && strtoul(p, &end, 10) && end != p) {
		fprintf(stderr, "verify: node%u: distance row has more than %u entries\n",
			n, t->nodes);
		bad = 1;
	}

	if (read_file(dir, "meminfo", buf, sizeof(buf)))
		return 1;
	p = strstr(buf, "MemTotal:");
	if (!p) {
		fprintf(stderr, "verify: node%u: no MemTotal in meminfo\n", n);
		return 1;
	}
	kb = strtoul(p + strlen("MemTotal:"), NULL, 10);
	if (kb > topo_node_mem(t, n) * 1024UL ||
	    kb * 100 < topo_node_mem(t, n) * 1024UL * MEM_MIN_PERCENT) {
		fprintf(stderr, "verify: node%u: MemTotal %lu kB, expected %u%%..100%% of %u MiB\n",
			n, kb, MEM_MIN_PERCENT, topo_node_mem(t, n));
		bad = 1;
	}
	printf("node%u: cpus %s, %lu MiB, distances ok\n", n, got, kb / 1024);
	return bad;
}

static int verify(const struct topo *t)
{
	char buf[256], want[64];
	cpuset_t online;
	unsigned int n;
	int bad = 0;

	if (read_file(sysfs, "online", buf, sizeof(buf)))
		return 1;
	if (cpulist_parse(buf, &online)) {
		fprintf(stderr, "verify: malformed node list '%s'\n", buf);
		return 1;
	}
	if (online != ((cpuset_t)1 << t->nodes) - 1) {
		cpulist_format(((cpuset_t)1 << t->nodes) - 1, want, sizeof(want));
		fprintf(stderr, "verify: online nodes %.*s, expected %s\n",
			(int)strcspn(buf, "\n"), buf, want);
		return 1;
	}
	for (n = 0; n < t->nodes; n++)
		bad |= verify_node(t, n);
	if (!bad)
		printf("%u nodes, %u cpus, %u MiB as configured\n", t->nodes, t->cpus, t->mem_mib);
	return bad;
}

static unsigned int num_arg(const char *opt, const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1u << 24) {
		fprintf(stderr, "xpv-labtopo: %s: '%s' is not a number\n", opt, s);
		exit(2);
	}
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "distance", required_argument, NULL, 'd' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int nodes = 2, cpus = 4, mem = 2048;
	const char *dist = NULL, *cmd;
	struct topo t;
	char err[256];
	int c;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': nodes = num_arg("--nodes", optarg); break;
		case 'c': cpus = num_arg("--cpus", optarg); break;
		case 'm': mem = num_arg("--mem", optarg); break;
		case 'd': dist = optarg; break;
		case 's': sysfs = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (topo_init(&t, nodes, cpus, mem, err, sizeof(err)) ||
	    (dist && topo_set_distance(&t, dist, err, sizeof(err)))) {
		fprintf(stderr, "xpv-labtopo: bad topology: %s\n", err);
		return 2;
	}
	if (!strcmp(cmd, "qemu-args")) {
		qemu_args(&t);
		return 0;
	}
	if (!strcmp(cmd, "verify"))
		return verify(&t);
	fprintf(stderr, "xpv-labtopo: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
