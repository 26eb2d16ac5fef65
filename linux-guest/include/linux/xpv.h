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

#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/types.h>

/* xpv_pfn_range_pnode(): the range lies on more than one pnode. */
#define XPV_PNODE_MIXED		(-2)
/* log2 of the pages of the smallest chunk the guest takes: a PMD's */
#define XPV_MIN_CHUNK_ORDER	(PMD_SHIFT - PAGE_SHIFT)

#ifdef CONFIG_XPV_GUEST

#include <linux/percpu.h>
#include <asm/kvm_xpv.h>

/* Pnode ids are below this, the ABI's limit */
#define XPV_MAX_PNODES		KVM_XPV_MAX_PNODES

/* The host offers XPV and this guest may take it (known before SMP). */
bool xpv_possible(void);
/* True once a valid topology has been received from the host. */
bool xpv_active(void);
/* The guest topology version: +1 on each change taken from the host. */
u64 xpv_topology_version(void);
unsigned int xpv_nr_pnodes(void);
/* The pnode @cpu runs on, or NUMA_NO_NODE when unknown. */
int xpv_cpu_pnode(int cpu);
/* The pnode backing page frame @pfn, or NUMA_NO_NODE when unknown. */
int xpv_pfn_to_pnode(unsigned long pfn);
/*
 * The pnode of every chunk of [@pfn, @pfn + @nr): NUMA_NO_NODE when none
 * is known, XPV_PNODE_MIXED when they differ.
 */
int xpv_pfn_range_pnode(unsigned long pfn, unsigned long nr);
/*
 * xpv_pfn_range_pnode() and, in *@order, xpv_chunk_order(), both from the
 * same topology.
 */
int xpv_pfn_range_layout(unsigned long pfn, unsigned long nr, int *order);
/* The host's distance between two pnodes, 0 for invalid ids. */
int xpv_pnode_distance(int from, int to);
/* @pnode is a host node this guest can be placed on now. */
bool xpv_pnode_online(int pnode);
/* Pnode ids are below this, for the guest's whole life (the ABI's limit). */
unsigned int xpv_pnode_ids(void);
struct cpumask;
/*
 * The vCPUs on @pnode now, an empty mask for an invalid id.  Valid until
 * the caller's rcu_read_unlock().
 */
const struct cpumask *xpv_pnode_cpumask(int pnode);
/* log2 of the pages in a chunk, or -1 while XPV is not active. */
int xpv_chunk_order(void);

/* The page allocator's side (mm/xpv_alloc.c) */
/* The driver published a new topology; @chunks: some chunk changed pnode */
void xpv_mm_topology_changed(bool chunks);
/* Free pages the page allocator keeps on @pnode. */
unsigned long xpv_mm_pnode_free_pages(int pnode);
/*
 * Allocations counted per pnode, as nodeN/numastat counts them per node:
 * the page's pnode was the one asked for (hit) or not (miss; foreign on
 * the pnode asked for), an interleave policy's pnode (interleave_hit),
 * the allocating CPU's pnode (local) or another (other).
 */
enum xpv_numa_stat_item {
	XPV_NUMA_HIT,
	XPV_NUMA_MISS,
	XPV_NUMA_FOREIGN,
	XPV_NUMA_INTERLEAVE_HIT,
	XPV_NUMA_LOCAL,
	XPV_NUMA_OTHER,
	NR_XPV_NUMA_STAT_ITEMS
};

/* The pnode each CPU runs on (NUMA_NO_NODE: unknown): xpv_cpu_pnode() */
DECLARE_PER_CPU_READ_MOSTLY(int, xpv_pnode);
/* Allocations from each CPU's pcp lists, per pnode: hits, and local */
DECLARE_PER_CPU(unsigned long [XPV_MAX_PNODES], xpv_numa_pcp);
/* ... and, per pnode they were meant for, foreign (no known pnode) */
DECLARE_PER_CPU(unsigned long [XPV_MAX_PNODES], xpv_numa_pcp_foreign);

/* The counts of @pnode summed over the CPUs, into @ev. */
void xpv_mm_pnode_numa_stats(int pnode,
			     unsigned long ev[NR_XPV_NUMA_STAT_ITEMS]);
struct page;
/* Pages from @pnode first (pnode memory policies), see page_alloc.c */
struct page *xpv_alloc_pages_pnode(gfp_t gfp, unsigned int order, int pnode,
				   int preferred_nid, nodemask_t *nodemask);

#else

static inline bool xpv_possible(void) { return false; }
static inline bool xpv_active(void) { return false; }
static inline u64 xpv_topology_version(void) { return 0; }
static inline unsigned int xpv_nr_pnodes(void) { return 0; }
static inline int xpv_cpu_pnode(int cpu) { return NUMA_NO_NODE; }
static inline int xpv_pfn_to_pnode(unsigned long pfn) { return NUMA_NO_NODE; }
static inline int xpv_pfn_range_pnode(unsigned long pfn, unsigned long nr)
{
	return NUMA_NO_NODE;
}

static inline int xpv_pfn_range_layout(unsigned long pfn, unsigned long nr,
				       int *order)
{
	*order = -1;
	return NUMA_NO_NODE;
}

static inline int xpv_pnode_distance(int from, int to) { return 0; }
static inline bool xpv_pnode_online(int pnode) { return false; }
static inline unsigned int xpv_pnode_ids(void) { return 0; }
struct cpumask;
static inline const struct cpumask *xpv_pnode_cpumask(int pnode)
{
	return NULL;
}
static inline int xpv_chunk_order(void) { return -1; }
struct page;
/* Never called: there are no pnode policies without XPV. */
static inline struct page *xpv_alloc_pages_pnode(gfp_t gfp, unsigned int order,
						 int pnode, int preferred_nid,
						 nodemask_t *nodemask)
{
	return NULL;
}

#endif /* CONFIG_XPV_GUEST */

/*
 * The free lists of @order and @mt in @zone, one by one (@i from 0): the
 * zone's own, free_area[@order].free_list[@mt], then those of each XPV
 * pnode (CONFIG_XPV_GUEST).  NULL past the last.  Free blocks are on any
 * of them: whatever walks free blocks goes through all of them, under
 * zone->lock.
 */
static inline struct list_head *zone_free_list(struct zone *zone,
					       unsigned int i,
					       unsigned int order, int mt)
{
#ifdef CONFIG_XPV_GUEST
	/* Set once, and never freed */
	struct xpv_zone_free *xf = READ_ONCE(zone->xpv_free);

	if (i && xf && i <= xf->nr_lists)
		return &xf->pnode[i - 1].free_list[order][mt];
#endif
	return i ? NULL : &zone->free_area[order].free_list[mt];
}

#endif /* _LINUX_XPV_H */
