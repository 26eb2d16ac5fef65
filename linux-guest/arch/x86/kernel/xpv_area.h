/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XPV guest: the parser of the host's topology area (xpv_area.c).  The
 * driver (xpv.c) hands it a stable copy of the area; it checks the copy
 * and builds the snapshot the rest of the kernel reads.  It changes no
 * global state, so tools/testing/xpv builds it in user space and fuzzes
 * it.
 */
#ifndef _X86_KERNEL_XPV_AREA_H
#define _X86_KERNEL_XPV_AREA_H

#include <linux/mmzone.h>
#include <linux/types.h>
#include <linux/xpv.h>
#include <asm/page_types.h>

/*
 * The chunk sizes the page allocator (mm/xpv_alloc.c) works with.  From
 * a PMD: a huge page then lies in one chunk, on one pnode, and a free
 * block is listed and merged by looking at a few chunks at most.  Up to
 * a MAX_PAGE_ORDER block, the unit it re-sorts when chunks move: in a
 * larger chunk only the first block would be looked at again.
 */
#define XPV_MIN_CHUNK_SHIFT	(PAGE_SHIFT + XPV_MIN_CHUNK_ORDER)
#define XPV_MAX_CHUNK_SHIFT	(PAGE_SHIFT + MAX_PAGE_ORDER)

static inline bool xpv_chunk_shift_ok(unsigned int shift)
{
	return shift >= XPV_MIN_CHUNK_SHIFT && shift <= XPV_MAX_CHUNK_SHIFT;
}

/*
 * One validated topology.  Readers find it through xpv_snap under RCU; it
 * is never changed once published.
 */
struct xpv_snapshot {
	struct rcu_head rcu;
	u64 version;		/* guest topology version */
	u64 host_version;
	unsigned int nr_pnodes;
	unsigned int chunk_shift;
	unsigned long nr_chunks;
	u64 unknown_bytes;	/* RAM in chunks with no known pnode */
	const u8 *distance;	/* [nr_pnodes][nr_pnodes] */
	const u16 *chunk_pnode;	/* [nr_chunks] */
	const u16 *cpu_pnode;	/* [nr_cpu_ids] */
	const u64 *pnode_bytes;	/* [nr_pnodes], guest RAM per pnode */
	unsigned long *cpumasks; /* nr_pnodes cpumasks */
	u8 data[];
};

/*
 * NULL if the @len bytes at @copy are a well-formed area, otherwise what
 * is wrong with them.  @old is the snapshot in use, if any; its version
 * may not go backwards unless the area is @fresh (the first one since
 * the guest registered).
 */
const char *xpv_area_check(const u8 *copy, u32 len,
			   const struct xpv_snapshot *old, bool fresh);
/*
 * The snapshot of an area xpv_area_check() accepted (kvfree() it), one
 * guest version after @old; NULL without memory.
 */
struct xpv_snapshot *xpv_area_build(const u8 *copy,
				    const struct xpv_snapshot *old);

#endif /* _X86_KERNEL_XPV_AREA_H */
