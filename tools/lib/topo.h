/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lab NUMA topology: the emulated machine the lab boots as L1, described
 * by node count, CPU count (a multiple of the node count: one socket per
 * node), memory and a distance matrix.  Shared by the
 * harness (which turns it into QEMU -numa options) and by L1 (which
 * checks that the kernel saw exactly that machine).
 */
#ifndef XPV_TOOLS_TOPO_H
#define XPV_TOOLS_TOPO_H

#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODES	8
#define TOPO_MAX_CPUS	64
#define TOPO_LOCAL	10	/* ACPI SLIT: distance of a node to itself */
#define TOPO_REMOTE	20	/* default distance between two nodes */
#define TOPO_MEM_ALIGN	2	/* MiB: per-node memory granularity */

struct topo {
	unsigned int nodes;
	unsigned int cpus;
	unsigned int mem_mib;		/* whole machine */
	unsigned char dist[TOPO_MAX_NODES][TOPO_MAX_NODES];
};

/* A set of CPU ids, as in sysfs cpulist files ("0-3,8"). */
typedef uint64_t cpuset_t;

/*
 * Parse a cpulist.  Accepts an empty list (or a lone newline), rejects
 * ids >= TOPO_MAX_CPUS, descending ranges, empty elements and trailing
 * garbage.  Returns 0 or -1 with *set untouched.
 */
int cpulist_parse(const char *s, cpuset_t *set);
/* Format @set as a canonical cpulist; returns the length or -1 if @len is too small. */
int cpulist_format(cpuset_t set, char *buf, size_t len);

/* nodes/cpus/mem with the default distances (10 local, 20 remote). */
int topo_init(struct topo *t, unsigned int nodes, unsigned int cpus,
	      unsigned int mem_mib, char *err, size_t errlen);
/*
 * Distance matrix, rows separated by ';', entries by ',' or spaces:
 * "10,20;20,10".  Must be nodes x nodes, 10 on the diagonal, 11..254 off
 * it (ACPI SLIT), and symmetric (Linux assumes it; QEMU would accept
 * asymmetric matrices that the guest then misreads).
 */
int topo_set_distance(struct topo *t, const char *s, char *err, size_t errlen);

/* CPUs of @node: contiguous, cpus / nodes of them (one socket per node). */
cpuset_t topo_node_cpus(const struct topo *t, unsigned int node);
/* Memory of @node in MiB: an equal share, TOPO_MEM_ALIGN aligned, the last node takes the rest. */
unsigned int topo_node_mem(const struct topo *t, unsigned int node);

#endif
