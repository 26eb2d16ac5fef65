/* libnuma on the live host NUMA topology of an XPV guest.

   In a KVM guest whose host publishes its NUMA topology through XPV
   (Linux's CONFIG_XPV_GUEST: /sys/devices/system/xpv), the guest's own
   nodes say nothing about where its vCPUs and memory are: the host puts
   them on its nodes ("pnodes") and moves them.  There libnuma speaks
   pnodes: node N is pnode N, its CPUs are the vCPUs that run on it now,
   its memory is the guest memory the host backs from it, and memory
   policies and move_pages() carry the kernel's MPOL_F_PNODES and
   MPOL_MF_PNODES.  NUMA_XPV=0 in the environment keeps the guest's own
   nodes.

   The topology changes while a program runs.  numa_topology_version()
   reads the guest's topology version (the vDSO's __vdso_xpv_version(),
   without a system call; sysfs in a static program); libnuma reads its
   node data again when it sees the version move.

   This library is free software; you can redistribute it and/or
   modify it under the terms of the GNU Lesser General Public
   License as published by the Free Software Foundation; version
   2.1.  */

#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The kernel's definition of the pnode flags, and nothing else of it:
   numaif.h has libnuma's own copy of the rest. */
#include <linux/mempolicy.h>
#if !defined(MPOL_F_PNODES) || !defined(MPOL_MF_PNODES)
#error "build with the uapi headers of an XPV kernel (make headers_install): linux/mempolicy.h lacks MPOL_F_PNODES"
#endif

#include "numa.h"
#include "numaint.h"

#define XPV_SYSFS "/sys/devices/system/xpv"

int numa_xpv;

static unsigned long long (*vdso_version)(void);
static int version_fd = -1;

/* A whole small sysfs file into buf; -1 on error. */
static int read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static long read_number(const char *path)
{
	char buf[32], *end;
	long v;

	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < 0)
		return -1;
	return v;
}

/* Decide, once, whether libnuma speaks pnodes. */
void numa_xpv_init(void)
{
	const char *env = getenv("NUMA_XPV");
#ifdef PIC
	void *vdso;
#endif

	numa_xpv = 0;
	if (env && (!strcmp(env, "0") || !strcasecmp(env, "off") ||
		    !strcasecmp(env, "no")))
		return;
	/* XPV is active once the guest has taken a topology. */
	if (read_number(XPV_SYSFS "/version") <= 0 ||
	    read_number(XPV_SYSFS "/nr_pnodes") <= 0)
		return;
	numa_xpv = 1;
#ifdef PIC
	/* The vDSO is a loaded object of every dynamic program (glibc
	   names it linux-vdso.so.1); a static libnuma reads sysfs. */
	vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
	if (vdso)
		vdso_version = (unsigned long long (*)(void))
			dlsym(vdso, "__vdso_xpv_version");
#endif
	if (!vdso_version)
		version_fd = open(XPV_SYSFS "/version", O_RDONLY | O_CLOEXEC);
}

unsigned long long numa_topology_version(void)
{
	char buf[32];
	ssize_t n;

	if (!numa_xpv)
		return 0;
	if (vdso_version)
		return vdso_version();
	if (version_fd < 0)
		return 0;
	n = pread(version_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

int numa_topology_changed(unsigned long long since)
{
	return numa_topology_version() != since;
}

/* The number of pnodes now (pnode ids are 0 to this - 1), as many as
   a nodemask holds, or -1. */
int numa_xpv_nr_pnodes(void)
{
	long n = read_number(XPV_SYSFS "/nr_pnodes");

	if (n <= 0)
		return -1;
	return n < numa_num_possible_nodes() ? n : numa_num_possible_nodes();
}

/* A lock for libnuma's caches of pnode data, held for a copy at most. */
static char xpv_lock_word;

void numa_xpv_lock(void)
{
	while (__atomic_test_and_set(&xpv_lock_word, __ATOMIC_ACQUIRE))
		sched_yield();
}

void numa_xpv_unlock(void)
{
	__atomic_clear(&xpv_lock_word, __ATOMIC_RELEASE);
}

/* The sysfs file @file of node (or pnode) @node, into @buf. */
char *numa_node_file(char *buf, size_t size, int node, const char *file)
{
	if (numa_xpv)
		snprintf(buf, size, XPV_SYSFS "/pnode%d/%s", node, file);
	else
		snprintf(buf, size, "/sys/devices/system/node/node%d/%s", node,
			 file);
	return buf;
}

/* Set in @mask the CPUs of the CPU list @s ("0-3,8\n", or empty); -1
   for a malformed list or a CPU beyond the mask. */
static int parse_cpulist(const char *s, struct bitmask *mask)
{
	unsigned long a, b;
	char *end;

	while (*s && *s != '\n') {
		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			b = strtoul(s, &end, 10);
			s = end;
		}
		if (b < a || b >= mask->size)
			return -1;
		for (; a <= b; a++)
			numa_bitmask_setbit(mask, a);
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return 0;
}

/* The vCPUs on pnode @node now, into @mask; -1 when unknown. */
int numa_xpv_node_cpus(int node, struct bitmask *mask)
{
	char fn[128], buf[4096];

	numa_bitmask_clearall(mask);
	if (read_small(numa_node_file(fn, sizeof(fn), node, "cpulist"),
		       buf, sizeof(buf)) < 0)
		return -1;
	if (parse_cpulist(buf, mask) < 0) {
		numa_bitmask_clearall(mask);
		numa_warn(W_cpumap, "Cannot parse %s", fn);
		return -1;
	}
	return 0;
}

/* The mode for set_mempolicy() and mbind(): pnodes in an XPV guest. */
int numa_xpv_mode(int mode)
{
	if (!numa_xpv)
		return mode;
	switch (mode) {
	case MPOL_BIND:
	case MPOL_PREFERRED:
	case MPOL_INTERLEAVE:
		return mode | MPOL_F_PNODES;
	}
	return mode;
}

/* The mode get_mempolicy() reported, without the pnode flag. */
int numa_xpv_unmode(int mode)
{
	return mode & ~MPOL_F_PNODES;
}

/* move_pages() flags: pnodes in an XPV guest. */
int numa_xpv_move_flags(int flags)
{
	return numa_xpv ? flags | MPOL_MF_PNODES : flags;
}
