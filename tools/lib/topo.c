// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "xpv.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Strict decimal: digits only, no sign, bounded. */
static int parse_uint(const char **p, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int cpulist_parse(const char *s, cpuset_t *set)
{
	uint64_t mask = 0;

	if (xpv_parse_cpulist(s, &mask, TOPO_MAX_CPUS))
		return -1;
	*set = mask;
	return 0;
}

int cpulist_format(cpuset_t set, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i, j;
	int n;

	if (!len)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < TOPO_MAX_CPUS; i++) {
		if (!(set >> i & 1))
			continue;
		for (j = i; j + 1 < TOPO_MAX_CPUS && (set >> (j + 1) & 1); j++)
			;
		if (i == j)
			n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", i);
		else
			n = snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", i, j);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
		i = j;
	}
	return (int)off;
}

int topo_init(struct topo *t, unsigned int nodes, unsigned int cpus,
	      unsigned int mem_mib, char *err, size_t errlen)
{
	unsigned int i, j;

	if (nodes < 1 || nodes > TOPO_MAX_NODES)
		return fail(err, errlen, "nodes must be 1..%d, not %u", TOPO_MAX_NODES, nodes);
	if (cpus < nodes || cpus > TOPO_MAX_CPUS || cpus % nodes)
		return fail(err, errlen, "cpus must be a multiple of %u up to %d, not %u",
			    nodes, TOPO_MAX_CPUS, cpus);
	if (mem_mib / nodes < 128)
		return fail(err, errlen, "%u MiB is less than 128 MiB per node", mem_mib);
	if (mem_mib % TOPO_MEM_ALIGN)
		return fail(err, errlen, "memory must be a multiple of %d MiB, not %u",
			    TOPO_MEM_ALIGN, mem_mib);
	memset(t, 0, sizeof(*t));
	t->nodes = nodes;
	t->cpus = cpus;
	t->mem_mib = mem_mib;
	for (i = 0; i < nodes; i++)
		for (j = 0; j < nodes; j++)
			t->dist[i][j] = i == j ? TOPO_LOCAL : TOPO_REMOTE;
	return 0;
}

int topo_set_distance(struct topo *t, const char *s, char *err, size_t errlen)
{
	unsigned char d[TOPO_MAX_NODES][TOPO_MAX_NODES];
	unsigned int row = 0, col = 0, i, j;
	unsigned long v;

	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (row >= t->nodes)
			return fail(err, errlen, "more than %u rows", t->nodes);
		if (col >= t->nodes)
			return fail(err, errlen, "row %u has more than %u entries", row, t->nodes);
		if (parse_uint(&s, 255, &v))
			return fail(err, errlen, "row %u: entry %u is not a number 0..255", row, col);
		d[row][col++] = (unsigned char)v;
		while (*s == ' ')
			s++;
		if (*s == ',') {
			s++;
		} else if (*s == ';' || !*s) {
			if (col != t->nodes)
				return fail(err, errlen, "row %u has %u entries, not %u",
					    row, col, t->nodes);
			row++;
			col = 0;
			if (*s)
				s++;
		} else if (!isdigit((unsigned char)*s)) {
			return fail(err, errlen, "unexpected '%c'", *s);
		}
	}
	if (row != t->nodes || col)
		return fail(err, errlen, "%u complete rows, need %u", row, t->nodes);
	for (i = 0; i < t->nodes; i++) {
		for (j = 0; j < t->nodes; j++) {
			if (i == j && d[i][j] != TOPO_LOCAL)
				return fail(err, errlen, "distance %u->%u must be %d",
					    i, j, TOPO_LOCAL);
			if (i != j && (d[i][j] <= TOPO_LOCAL || d[i][j] > 254))
				return fail(err, errlen, "distance %u->%u must be 11..254, not %u",
					    i, j, d[i][j]);
			if (d[i][j] != d[j][i])
				return fail(err, errlen, "distance %u->%u (%u) differs from %u->%u (%u)",
					    i, j, d[i][j], j, i, d[j][i]);
		}
	}
	memcpy(t->dist, d, sizeof(d));
	return 0;
}

cpuset_t topo_node_cpus(const struct topo *t, unsigned int node)
{
	unsigned int n = t->cpus / t->nodes, i;
	cpuset_t set = 0;

	if (node >= t->nodes)
		return 0;
	for (i = node * n; i < (node + 1) * n; i++)
		set |= (cpuset_t)1 << i;
	return set;
}

unsigned int topo_node_mem(const struct topo *t, unsigned int node)
{
	unsigned int share = t->mem_mib / t->nodes / TOPO_MEM_ALIGN * TOPO_MEM_ALIGN;

	if (node >= t->nodes)
		return 0;
	if (node == t->nodes - 1)
		return t->mem_mib - share * (t->nodes - 1);
	return share;
}
