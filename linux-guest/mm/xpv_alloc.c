// SPDX-License-Identifier: GPL-2.0
/*
 * XPV: the page allocator on the live host NUMA topology ("pnodes").
 *
 * The XPV guest driver (arch/x86/kernel/xpv.c) publishes which pnode backs
 * each chunk of guest memory and which pnode each CPU runs on.  The page
 * allocator keeps free memory per pnode (mm/page_alloc.c, the XPV part)
 * and serves an allocation from its CPU's pnode, then the nearest one,
 * then memory of no known pnode.  This file does the rest:
 *
 *  - activation, once, after the first topology: each zone gets lists
 *    for as many pnodes as the allocator handles, so that a later
 *    topology with more pnodes (after a migration) finds its lists;
 *  - the order in which an allocation for a pnode tries the lists, by the
 *    host's distances, rebuilt on each topology, for the most pnodes a
 *    topology has had;
 *  - re-sorting: after a topology in which chunks changed pnode, the free
 *    blocks of those chunks move to the right lists, one MAX_PAGE_ORDER
 *    block per zone->lock hold and XPV_RESORT_BATCH blocks per run of the
 *    work; a topology that moved only vCPUs costs no pass over memory;
 *  - draining the pcp lists of the CPUs that change pnode: they hold the
 *    pages of the CPU's pnode only;
 *  - the counters: free pages per pnode and the xpv_alloc_* events.
 *
 * See Documentation/mm/xpv.rst.
 */

#define pr_fmt(fmt) "xpv: " fmt

#include <linux/jump_label.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <linux/xpv.h>

#include "internal.h"

/* MAX_PAGE_ORDER blocks re-sorted per run of the work (4 GiB on x86) */
#define XPV_RESORT_BATCH	1024
/* The most pnodes the allocator keeps lists for; the rest are "unknown" */
#define XPV_ALLOC_MAX_PNODES	64
/* xpv_sorted[]: never looked at */
#define XPV_NOT_SORTED		0xfffe
#define XPV_UNKNOWN		0xffff	/* no pnode, or chunks on several */

struct xpv_alloc_pref __rcu *xpv_alloc_pref;

static DEFINE_MUTEX(xpv_alloc_lock);
/*
 * The pnodes the preference table orders: the most any topology has had,
 * 0 until the lists are there.  It never shrinks, since free blocks may
 * still be listed on a pnode that went, until the re-sort moves them.
 */
static unsigned int xpv_nr_lists;
/*
 * The pnode each chunk had when the work last re-sorted its block: the
 * work visits only the blocks whose chunks changed since.  Under
 * xpv_alloc_lock.
 */
static u16 *xpv_sorted;
static unsigned long xpv_sorted_chunks;
static int xpv_sorted_order;
/* Each CPU's pnode at the last run, to drain the pcp lists on a change */
static int *xpv_cpu_seen;
/* Bit 0: some chunk changed pnode since the re-sort last looked */
static unsigned long xpv_resort_due;
/* The last run cut its pass short: this one goes on with it */
static bool xpv_resort_cont;

static void xpv_alloc_work_fn(struct work_struct *work);
static DECLARE_WORK(xpv_alloc_work, xpv_alloc_work_fn);

void xpv_mm_topology_changed(bool chunks)
{
	if (chunks) {
		/* After the snapshot's publication: who sees the bit sees it */
		smp_mb__before_atomic();
		set_bit(0, &xpv_resort_due);
	}
	queue_work(system_unbound_wq, &xpv_alloc_work);
}

unsigned long xpv_mm_pnode_free_pages(int pnode)
{
	unsigned long pages = 0;
	struct xpv_zone_free *f;
	struct zone *zone;

	if (pnode < 0)
		return 0;
	for_each_populated_zone(zone) {
		f = READ_ONCE(zone->xpv_free);
		if (!f || pnode >= f->nr_lists)
			continue;
		/* A reading for sysfs: racing zone->lock is fine. */
		pages += data_race(f->pnode[pnode].nr_pages);
	}
	return pages;
}

/*
 * pnodeN/numastat's counts, one per allocation as zone_statistics() counts
 * them, of the pnode ids the ABI allows.  Off with the numa_stat sysctl.
 */
static DEFINE_PER_CPU(unsigned long [XPV_MAX_PNODES][NR_XPV_NUMA_STAT_ITEMS],
		      xpv_numa_stats);
/*
 * The pcp lists' allocations, counted apart with one increment each
 * (mm/page_alloc.c), added in when read: of the CPU's pnode's pages, hits
 * and local; of memory of no known pnode, foreign on the CPU's pnode.
 */
DEFINE_PER_CPU(unsigned long [XPV_MAX_PNODES], xpv_numa_pcp);
DEFINE_PER_CPU(unsigned long [XPV_MAX_PNODES], xpv_numa_pcp_foreign);

/*
 * An allocation of a page on pnode @p for pnode @target, by a CPU on pnode
 * @local: counted like zone_statistics() counts nodes.  Ids out of range
 * (unknown) count nothing on their side.
 */
void xpv_count_numa(int p, int target, int local)
{
	bool p_ok = p >= 0 && p < XPV_MAX_PNODES;

	if (!static_branch_likely(&vm_numa_stat_key))
		return;
	if (p == target) {
		if (p_ok)
			this_cpu_inc(xpv_numa_stats[p][XPV_NUMA_HIT]);
	} else {
		if (p_ok)
			this_cpu_inc(xpv_numa_stats[p][XPV_NUMA_MISS]);
		if (target >= 0 && target < XPV_MAX_PNODES)
			this_cpu_inc(xpv_numa_stats[target][XPV_NUMA_FOREIGN]);
	}
	if (p_ok)
		this_cpu_inc(xpv_numa_stats[p][p == local ? XPV_NUMA_LOCAL :
							   XPV_NUMA_OTHER]);
}

/* An interleave policy took @page for pnode @target: a hit if it is there */
void xpv_count_interleave_hit(struct page *page, unsigned int order,
			      int target)
{
	if (!static_branch_likely(&vm_numa_stat_key) || target < 0 ||
	    target >= XPV_MAX_PNODES)
		return;
	if (xpv_pfn_range_pnode(page_to_pfn(page), 1UL << order) == target)
		this_cpu_inc(xpv_numa_stats[target][XPV_NUMA_INTERLEAVE_HIT]);
}

void xpv_mm_pnode_numa_stats(int pnode,
			     unsigned long ev[NR_XPV_NUMA_STAT_ITEMS])
{
	int cpu, i;

	memset(ev, 0, NR_XPV_NUMA_STAT_ITEMS * sizeof(*ev));
	if (pnode < 0 || pnode >= XPV_MAX_PNODES)
		return;
	for_each_possible_cpu(cpu) {
		for (i = 0; i < NR_XPV_NUMA_STAT_ITEMS; i++)
			ev[i] += per_cpu(xpv_numa_stats, cpu)[pnode][i];
		ev[XPV_NUMA_HIT] += per_cpu(xpv_numa_pcp, cpu)[pnode];
		ev[XPV_NUMA_LOCAL] += per_cpu(xpv_numa_pcp, cpu)[pnode];
		ev[XPV_NUMA_FOREIGN] += per_cpu(xpv_numa_pcp_foreign, cpu)[pnode];
	}
}

/*
 * An allocation from the buddy lists for pnode @target (-1: none), by a
 * CPU on pnode @local (-1: unknown)
 */
void xpv_count_alloc(struct page *page, unsigned int order, int target,
		     int local)
{
	int p;

	if (target < 0)
		return;
	p = xpv_pfn_range_pnode(page_to_pfn(page), 1UL << order);
	count_vm_events(xpv_alloc_event(p, target), 1UL << order);
	xpv_count_numa(p, target, local);
}

/*
 * The static key goes on at boot, before the other CPUs run, when the
 * host offers XPV: patching the allocator's hot paths later, while
 * other CPUs run them, is what text_poke_bp() is for, but it is cheaper
 * done once with nobody watching.  The paths then cost a load of
 * zone->xpv_free until XPV is active.
 */
static int __init xpv_alloc_init(void)
{
	/* xpv_count_pcp() indexes xpv_numa_pcp* by a zone's list */
	BUILD_BUG_ON(XPV_ALLOC_MAX_PNODES > XPV_MAX_PNODES);
	if (xpv_possible())
		static_branch_enable(&xpv_alloc_key);
	return 0;
}
early_initcall(xpv_alloc_init);

/*
 * Give every populated zone its pnode lists, for every pnode the
 * allocator handles: a zone's lists are set once and never freed, and a
 * migration can bring a topology with more pnodes than the first.  The
 * paths act on a zone only once it has them, and every path that lists
 * or takes free blocks runs under zone->lock, which the switch takes: a
 * zone switches at once.
 */
static int xpv_alloc_activate(void)
{
	unsigned int nr_lists = XPV_ALLOC_MAX_PNODES, p, o, t;
	struct xpv_zone_free *f;
	struct zone *zone;
	unsigned long flags;

	static_branch_enable(&xpv_alloc_key);	/* normally on already */
	for_each_populated_zone(zone) {
		if (zone->xpv_free)
			continue;
		f = kvzalloc(struct_size(f, pnode, nr_lists), GFP_KERNEL);
		if (!f)
			return -ENOMEM;
		f->nr_lists = nr_lists;
		for (p = 0; p < nr_lists; p++)
			for (o = 0; o < NR_PAGE_ORDERS; o++)
				for (t = 0; t < MIGRATE_TYPES; t++)
					INIT_LIST_HEAD(&f->pnode[p].free_list[o][t]);
		spin_lock_irqsave(&zone->lock, flags);
		WRITE_ONCE(zone->xpv_free, f);
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	pr_info("page allocator: lists for %u pnodes, %zu KiB per zone\n",
		nr_lists, struct_size(f, pnode, nr_lists) >> 10);
	return 0;
}

/*
 * The list order for each target pnode, and for none: the target's own
 * list, then the other pnodes' by distance (ties by id), then the zone's
 * (memory of no known pnode).  Without a target: the zone's first.
 */
static void xpv_alloc_build_pref(void)
{
	unsigned int n = xpv_nr_lists, t, i, j, k, *dist;
	struct xpv_alloc_pref *pref, *old;
	u8 *row;

	pref = kzalloc(struct_size(pref, order, (n + 1) * (n + 1)), GFP_KERNEL);
	dist = kcalloc(n, sizeof(*dist), GFP_KERNEL);
	if (!pref || !dist)
		goto out;	/* page_alloc.c falls back to index order */
	pref->nr_lists = n;
	for (t = 0; t <= n; t++) {
		row = &pref->order[t * (n + 1)];
		if (t == n) {
			for (i = 0; i <= n; i++)
				row[i] = i;
			continue;
		}
		for (j = 0; j < n; j++) {
			dist[j] = xpv_pnode_distance(t, j);
			if (!dist[j] && j != t)
				dist[j] = UINT_MAX;	/* offline pnode: last */
		}
		row[0] = t + 1;
		for (i = 1, k = 0; k < n; k++) {
			/* Selection by (distance, id): n is small. */
			unsigned int best = n;

			for (j = 0; j < n; j++) {
				bool taken = j == t;
				unsigned int m;

				for (m = 1; m < i && !taken; m++)
					taken = row[m] == j + 1;
				if (!taken && (best == n || dist[j] < dist[best]))
					best = j;
			}
			if (best == n)
				break;
			row[i++] = best + 1;
		}
		row[i] = 0;
	}
	old = rcu_replace_pointer(xpv_alloc_pref, pref,
				  lockdep_is_held(&xpv_alloc_lock));
	pref = NULL;
	if (old)
		kfree_rcu(old, rcu);
out:
	kfree(pref);
	kfree(dist);
}

/* The host's pnode of chunk @c, as xpv_sorted[] keeps it. */
static u16 xpv_chunk_now(unsigned long c)
{
	int p = xpv_pfn_range_pnode(c << xpv_sorted_order, 1);

	return p >= 0 ? p : XPV_UNKNOWN;
}

/*
 * Re-sort the free blocks of the MAX_PAGE_ORDER blocks whose chunks
 * changed pnode since the last run, at most XPV_RESORT_BATCH of them.
 * Returns true when more remain.  A pass costs a look at every chunk,
 * O(guest RAM): it runs only when a topology changed chunks.
 */
static bool xpv_alloc_resort(void)
{
	unsigned long pfn, end, c, first, last, flags, done = 0;
	int order = xpv_chunk_order();
	struct zone *zone;
	bool changed;

	if (order < 0)
		return false;
	if (order != xpv_sorted_order || !xpv_sorted) {
		/* New chunk geometry: everything is unsorted. */
		kvfree(xpv_sorted);
		xpv_sorted_order = order;
		xpv_sorted_chunks = (max_pfn >> order) + 1;
		xpv_sorted = kvmalloc_array(xpv_sorted_chunks,
					    sizeof(*xpv_sorted), GFP_KERNEL);
		if (!xpv_sorted) {
			/* relisted lazily; the next topology retries */
			set_bit(0, &xpv_resort_due);
			return false;
		}
		for (c = 0; c < xpv_sorted_chunks; c++)
			xpv_sorted[c] = XPV_NOT_SORTED;
	}
	if (!xpv_resort_cont)
		count_vm_event(XPV_RESORTS);	/* a pass begins */
	xpv_resort_cont = false;
	for_each_populated_zone(zone) {
		pfn = ALIGN_DOWN(zone->zone_start_pfn, MAX_ORDER_NR_PAGES);
		end = zone_end_pfn(zone);
		for (; pfn < end; pfn += MAX_ORDER_NR_PAGES) {
			cond_resched();
			first = pfn >> order;
			last = min((pfn + MAX_ORDER_NR_PAGES - 1) >> order,
				   xpv_sorted_chunks - 1);
			changed = false;
			for (c = first; c <= last; c++) {
				u16 now = xpv_chunk_now(c);

				if (xpv_sorted[c] != now)
					changed = true;
				xpv_sorted[c] = now;
			}
			if (!changed)
				continue;
			if (done++ == XPV_RESORT_BATCH) {
				/* Look at this block again next time. */
				xpv_sorted[first] = XPV_NOT_SORTED;
				xpv_resort_cont = true;
				return true;
			}
			spin_lock_irqsave(&zone->lock, flags);
			xpv_resort_block(zone, pfn);
			spin_unlock_irqrestore(&zone->lock, flags);
		}
	}
	return false;
}

/* Drain the pcp lists of the CPUs that changed pnode since the last run. */
static void xpv_drain_moved_cpus(void)
{
	int cpu, p;

	if (!xpv_cpu_seen) {
		xpv_cpu_seen = kcalloc(nr_cpu_ids, sizeof(*xpv_cpu_seen),
				       GFP_KERNEL);
		if (!xpv_cpu_seen)
			return;	/* allocations put remote pcp pages back */
		for_each_possible_cpu(cpu)
			xpv_cpu_seen[cpu] = NUMA_NO_NODE;
	}
	for_each_possible_cpu(cpu) {
		p = xpv_cpu_pnode(cpu);
		if (p != xpv_cpu_seen[cpu] && cpu_online(cpu))
			xpv_drain_cpu(cpu);
		xpv_cpu_seen[cpu] = p;
	}
}

static void xpv_alloc_work_fn(struct work_struct *work)
{
	unsigned int n = min(xpv_nr_pnodes(), XPV_ALLOC_MAX_PNODES);
	bool more;

	if (!n)
		return;
	mutex_lock(&xpv_alloc_lock);
	if (!xpv_nr_lists && xpv_alloc_activate()) {
		pr_warn("page allocator: no memory for the pnode lists\n");
		mutex_unlock(&xpv_alloc_lock);
		return;
	}
	if (n > xpv_nr_lists) {
		pr_info("page allocator: free memory kept on %u pnodes\n", n);
		xpv_nr_lists = n;
	}
	xpv_alloc_build_pref();
	xpv_drain_moved_cpus();
	more = test_and_clear_bit(0, &xpv_resort_due) && xpv_alloc_resort();
	mutex_unlock(&xpv_alloc_lock);
	if (more) {
		set_bit(0, &xpv_resort_due);	/* the rest of the pass */
		queue_work(system_unbound_wq, &xpv_alloc_work);
	}
}
