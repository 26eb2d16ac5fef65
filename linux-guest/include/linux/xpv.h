/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XPV guest: the live host NUMA topology ("pnodes") a KVM host publishes
 * to this guest, for the code that decides placement.
 *
 * The kernel's own NUMA view stays as firmware described it; pnodes are a
 * separate layer.  Every reader here is lock-free: the per-CPU pnode is a
 * plain per-CPU value, the rest comes from an RCU-protected snapshot that
 * the XPV driver replaces on each topology change.  Nothing here sleeps.
 */
#ifndef _LINUX_XPV_H
#define _LINUX_XPV_H

#include <linux/numa.h>
#include <linux/types.h>

#ifdef CONFIG_XPV_GUEST

/* True once a valid topology has been received from the host. */
bool xpv_active(void);
/* The guest topology version: +1 on each change taken from the host. */
u64 xpv_topology_version(void);
unsigned int xpv_nr_pnodes(void);
/* The pnode @cpu runs on, or NUMA_NO_NODE when unknown. */
int xpv_cpu_pnode(int cpu);
/* The pnode backing page frame @pfn, or NUMA_NO_NODE when unknown. */
int xpv_pfn_to_pnode(unsigned long pfn);
/* The host's distance between two pnodes, 0 for invalid ids. */
int xpv_pnode_distance(int from, int to);

#else

static inline bool xpv_active(void) { return false; }
static inline u64 xpv_topology_version(void) { return 0; }
static inline unsigned int xpv_nr_pnodes(void) { return 0; }
static inline int xpv_cpu_pnode(int cpu) { return NUMA_NO_NODE; }
static inline int xpv_pfn_to_pnode(unsigned long pfn) { return NUMA_NO_NODE; }
static inline int xpv_pnode_distance(int from, int to) { return 0; }

#endif /* CONFIG_XPV_GUEST */

#endif /* _LINUX_XPV_H */
