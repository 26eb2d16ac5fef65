// SPDX-License-Identifier: GPL-2.0
/*
 * XPV guest: check the host's topology area and build a snapshot of it.
 *
 * The host is not trusted.  Everything here works on a private copy of
 * the area that the driver (xpv.c) took between two equal, even reads of
 * its sequence counter: every offset and count in the header is checked
 * against the copy's length before a table is read, every entry against
 * the header, and each loop is bounded by what the copy holds.  Nothing
 * here changes global state, and all it reads besides the copy is what a
 * snapshot is built from (the CPUs' APIC ids, the RAM map), so that
 * tools/testing/xpv can build this file in user space and fuzz it.
 */

#include <linux/cpumask.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <asm/kvm_xpv.h>
#include <asm/smp.h>

#include "xpv_area.h"

/* A table of @n @size-byte entries at @off fits in the first @len bytes. */
static bool xpv_table_fits(u32 off, u64 n, u32 size, u32 hsize, u32 len)
{
	return off >= hsize && off % size == 0 && off <= len &&
	       n <= (len - off) / size;
}

const char *xpv_area_check(const u8 *copy, u32 len,
			   const struct xpv_snapshot *old, bool fresh)
{
	const struct kvm_xpv_header *h = (const void *)copy;
	u32 hsize, np, nv;
	const __le16 *tab;
	const u8 *d;
	u32 i, j;
	u64 k, nc;

	if (len < sizeof(*h))
		return "bad header or area size";
	hsize = le16_to_cpu(h->header_size);
	np = le16_to_cpu(h->nr_pnodes);
	nv = le32_to_cpu(h->nr_vcpus);
	nc = le64_to_cpu(h->nr_chunks);
	if (le32_to_cpu(h->magic) != KVM_XPV_MAGIC)
		return "bad magic";
	if (le16_to_cpu(h->abi_version) != KVM_XPV_ABI_VERSION)
		return "unknown ABI version";
	if (hsize < sizeof(*h) || hsize > len ||
	    le32_to_cpu(h->area_size) != len)
		return "bad header or area size";
	/* Not the boot-time limit: a migrated guest may land on a bigger host. */
	if (!np || np > KVM_XPV_MAX_PNODES)
		return "bad number of pnodes";
	if (!xpv_chunk_shift_ok(h->chunk_shift))
		return "chunk size the page allocator does not handle";
	if (!xpv_table_fits(le32_to_cpu(h->distance_offset), (u64)np * np, 1,
			    hsize, len) ||
	    !xpv_table_fits(le32_to_cpu(h->vcpu_offset), nv, 2, hsize, len) ||
	    !xpv_table_fits(le32_to_cpu(h->chunk_offset), nc, 2, hsize, len))
		return "table outside the area";
	if (old && !fresh && le64_to_cpu(h->version) < old->host_version)
		return "topology version went backwards";

	/*
	 * An online pnode is LOCAL_DISTANCE from itself and further from
	 * every other online pnode.  An offline one (host node ids can have
	 * holes) has an all-zero row and column, and nothing is placed on it.
	 */
	d = copy + le32_to_cpu(h->distance_offset);
	for (i = 0; i < np; i++) {
		bool on_i = d[i * np + i] != 0;

		for (j = 0; j < np; j++) {
			bool on_j = d[j * np + j] != 0;
			u8 v = d[i * np + j];

			if (!on_i || !on_j) {
				if (v)
					return "bad distance to an offline pnode";
			} else if (i == j ? v != LOCAL_DISTANCE :
					    v <= LOCAL_DISTANCE) {
				return "bad distance";
			}
		}
	}
	tab = (const __le16 *)(copy + le32_to_cpu(h->vcpu_offset));
	for (i = 0; i < nv; i++) {
		u16 p = le16_to_cpu(tab[i]);

		if (p != KVM_XPV_PNODE_UNKNOWN && (p >= np || !d[p * np + p]))
			return "bad vCPU pnode";
	}
	tab = (const __le16 *)(copy + le32_to_cpu(h->chunk_offset));
	for (k = 0; k < nc; k++) {
		u16 p = le16_to_cpu(tab[k]);

		if (p != KVM_XPV_PNODE_UNKNOWN && (p >= np || !d[p * np + p]))
			return "bad chunk pnode";
		if (!(k % 4096))
			cond_resched();
	}
	return NULL;
}

/* walk_system_ram_range() callback: add a RAM range to its pnodes. */
static int xpv_count_ram(unsigned long start, unsigned long nr, void *arg)
{
	struct xpv_snapshot *s = arg;
	unsigned long cpp = 1UL << (s->chunk_shift - PAGE_SHIFT);
	unsigned long pfn, next, chunk, end = start + nr;
	u64 *bytes = (u64 *)s->pnode_bytes;

	for (pfn = start; pfn < end; pfn = next) {
		u16 p = KVM_XPV_PNODE_UNKNOWN;

		chunk = pfn / cpp;
		next = min(end, (chunk + 1) * cpp);
		if (chunk < s->nr_chunks)
			p = s->chunk_pnode[chunk];
		if (p == KVM_XPV_PNODE_UNKNOWN)
			s->unknown_bytes += PFN_PHYS(next - pfn);
		else
			bytes[p] += PFN_PHYS(next - pfn);
		cond_resched();
	}
	return 0;
}

struct xpv_snapshot *xpv_area_build(const u8 *copy,
				    const struct xpv_snapshot *old)
{
	const struct kvm_xpv_header *h = (const void *)copy;
	u32 np = le16_to_cpu(h->nr_pnodes);
	u32 nv = le32_to_cpu(h->nr_vcpus);
	u64 nc = le64_to_cpu(h->nr_chunks);
	const __le16 *vtab, *ctab;
	unsigned long chunk;
	size_t size, masks_off, bytes_off, chunk_off, cpu_off;
	struct xpv_snapshot *s;
	u16 *chunk_pnode, *cpu_pnode;
	u64 *pnode_bytes;
	unsigned int cpu;
	u8 *distance;

	size = sizeof(*s);
	bytes_off = size;
	size += np * sizeof(u64);
	masks_off = size;
	size += np * BITS_TO_LONGS(nr_cpu_ids) * sizeof(long);
	chunk_off = size;
	size += nc * sizeof(u16);
	cpu_off = size;
	size += nr_cpu_ids * sizeof(u16);
	size += np * np;

	s = kvzalloc(size, GFP_KERNEL);
	if (!s)
		return NULL;
	pnode_bytes = (u64 *)((u8 *)s + bytes_off);
	s->cpumasks = (unsigned long *)((u8 *)s + masks_off);
	chunk_pnode = (u16 *)((u8 *)s + chunk_off);
	cpu_pnode = (u16 *)((u8 *)s + cpu_off);
	distance = (u8 *)(cpu_pnode + nr_cpu_ids);

	s->version = old ? old->version + 1 : 1;
	s->host_version = le64_to_cpu(h->version);
	s->nr_pnodes = np;
	s->chunk_shift = h->chunk_shift;
	s->nr_chunks = nc;
	memcpy(distance, copy + le32_to_cpu(h->distance_offset), np * np);

	vtab = (const __le16 *)(copy + le32_to_cpu(h->vcpu_offset));
	for_each_possible_cpu(cpu) {
		u32 apicid = cpu_physical_id(cpu);
		u16 p = apicid < nv ? le16_to_cpu(vtab[apicid]) :
				      KVM_XPV_PNODE_UNKNOWN;

		cpu_pnode[cpu] = p;
		if (p != KVM_XPV_PNODE_UNKNOWN)
			__set_bit(cpu, s->cpumasks +
				  p * BITS_TO_LONGS(nr_cpu_ids));
	}

	ctab = (const __le16 *)(copy + le32_to_cpu(h->chunk_offset));
	for (chunk = 0; chunk < nc; chunk++)
		chunk_pnode[chunk] = le16_to_cpu(ctab[chunk]);

	/* Guest RAM per pnode: each System RAM range, a chunk at a time. */
	s->pnode_bytes = pnode_bytes;
	s->chunk_pnode = chunk_pnode;
	walk_system_ram_range(0, PHYS_PFN(1ULL << MAX_PHYSMEM_BITS), s,
			      xpv_count_ram);

	s->distance = distance;
	s->cpu_pnode = cpu_pnode;
	return s;
}
