// SPDX-License-Identifier: GPL-2.0-only
/*
 * XPV: publish which host NUMA node backs each chunk of guest memory.
 *
 * KVM keeps, per VM, the pnode it last published for every chunk
 * (2 MiB) of guest-physical memory up to the end of the highest memslot,
 * or as far as the area has room for: the node holding most of the
 * chunk's present pages, or "unknown" when none is present or the chunk
 * is in no memslot.  Per chunk that costs 2 bytes for the map, 2 for the
 * present pages last seen, 1 for the recheck count and 2 bits for the
 * dirty and recheck bitmaps, about 2.6 KiB per GiB of guest-physical
 * space, at most 42 MiB (8 Mi chunks, for an area of 16 MiB).
 *
 * Chunks are not polled.  They are marked dirty when their placement may
 * have changed:
 *
 *  - by the MMU notifier (kvm_unmap_gfn_range()), which page migration,
 *    NUMA balancing, swap, THP collapse and balloon deflation all raise;
 *  - by the fault path, when the pfn KVM just learned sits on another
 *    node than the chunk's published one (first touch included);
 *  - when a memslot is created, deleted or moved, those of its old and
 *    new ranges (a guest can cause memslot changes, through PCI BARs,
 *    PAM or SMRAM: none costs a look at every chunk), and the chunks a
 *    grown map adds.
 *
 * Marking happens in atomic context: it sets bits and arms a delayed work
 * (XPV_MEM_DELAY_MS), so a burst of migrations yields one update.  The
 * work only makes a request of one vCPU, first the one that registered
 * the area, then the last that served one.  Should that vCPU not run (the
 * VMM paused or unplugged it), the request goes on to the next vCPU
 * after XPV_MEM_RECHECK_MS, until every vCPU has it.  The vCPU that
 * serves it, in KVM_RUN (halted or not), looks up at most XPV_MEM_BATCH
 * dirty chunks in the VMM's page tables (nothing is faulted in,
 * referenced or marked accessed), publishes the chunks whose pnode
 * changed through the same seq/version path as vCPU moves, notifies the
 * guest (coalesced until acknowledged) and asks for the next batch if
 * chunks remain.
 *
 * A chunk is not looked up while an invalidation of its pages is in
 * progress: the notifier marks it before the page tables change, so a
 * look then could see the pages where they were; the next batch, or
 * XPV_MEM_DELAY_MS later, looks again.
 *
 * A chunk caught in the middle of a migration looks emptier than it is:
 * the pages being migrated are unmapped when the migration notifies and
 * mapped again when it ends, which raises no notification.  The walk
 * sees them in flight (migration entries in the page tables), and a
 * chunk with pages in flight, or found with fewer present pages than
 * its last lookup saw, is looked up again, at intervals that double
 * from XPV_MEM_RECHECK_MS, until none is in flight and its pages are
 * back: for pages in flight as long as any is (they always land), for
 * pages missing at most XPV_MEM_RECHECKS times (then they are taken as
 * gone: swapped out, discarded or ballooned).  The pages in flight are
 * what matters: a chunk seen first, or grown by new pages, while its
 * migration goes on has no fewer present pages than before.
 *
 * Staleness bound, for chunks the guest does not touch: a change is
 * published XPV_MEM_DELAY_MS after the first invalidation of a burst
 * plus the time to run the publishing vCPU and its batches; a chunk seen
 * mid-migration is right at most about twice the migration's duration
 * later.
 */
#include <linux/hugetlb.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include <linux/workqueue.h>

#include <asm/kvm_xpv.h>

#include "trace.h"
#include "x86.h"
#include "xpv.h"

#define XPV_CHUNK_PAGES		(1UL << (XPV_CHUNK_SHIFT - PAGE_SHIFT))
#define XPV_MEM_DELAY_MS	100
#define XPV_MEM_RECHECK_MS	1000
#define XPV_MEM_RECHECKS	7	/* the last about 2 minutes after a loss */
#define XPV_MEM_BATCH		28	/* chunks looked up per vCPU request */
#define XPV_MEM_EMPTY_PER_LOOKUP 64	/* chunks in no memslot per lookup */

static_assert(XPV_CHUNK_PAGES <= U16_MAX);	/* kvm_xpv.mem_present */
/*
 * A batch's update writes its chunks, seq twice and the version: within
 * half a dirty ring's reserve (kvm_xpv_ring_full()).
 */
static_assert(XPV_MEM_BATCH + 3 <= KVM_DIRTY_RING_RSVD_ENTRIES / 2);

static struct kvm *xpv_to_kvm(struct kvm_xpv *x)
{
	return container_of(container_of(x, struct kvm_arch, xpv), struct kvm,
			    arch);
}

/* Has the vCPU last asked to publish memory changes not served it yet? */
static bool xpv_mem_unserved(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;

	vcpu = kvm_get_vcpu(kvm, READ_ONCE(kvm->arch.xpv.mem_vcpu_idx));
	return vcpu && kvm_test_request(KVM_REQ_XPV_MEM, vcpu);
}

/*
 * Get a vCPU to publish memory changes.  A request the last kick left
 * unserved (its vCPU does not run: paused or unplugged by the VMM) goes
 * on to the next vCPU that has none pending; the one that serves a
 * request is asked first the next time.  Returns whether a request was
 * made: recheck_work then checks that it is served.  Once every vCPU has
 * one, the first to run publishes.
 */
static bool xpv_mem_kick(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	int n = atomic_read(&kvm->online_vcpus), i;
	struct kvm_vcpu *vcpu;
	u32 idx;

	if (n <= 0)
		return false;
	idx = READ_ONCE(x->mem_vcpu_idx) % n;
	if (xpv_mem_unserved(kvm)) {
		for (i = 1; i < n; i++) {
			vcpu = kvm_get_vcpu(kvm, (idx + i) % n);
			if (vcpu && !kvm_test_request(KVM_REQ_XPV_MEM, vcpu))
				break;
		}
		if (i == n)
			return false;
		idx = (idx + i) % n;
		WRITE_ONCE(x->mem_vcpu_idx, idx);
	}
	vcpu = kvm_get_vcpu(kvm, idx);
	if (!vcpu)
		return false;
	kvm_make_request(KVM_REQ_XPV_MEM, vcpu);
	/* A halted vCPU serves it from vcpu_run() without waking the guest. */
	kvm_make_request(KVM_REQ_UNBLOCK, vcpu);
	kvm_vcpu_kick(vcpu);
	return true;
}

/*
 * Under x->lock: @vcpu could not publish now (its dirty ring is soft
 * full).  It is asked again, first; should it not serve the request in
 * XPV_MEM_RECHECK_MS, the request goes on to another vCPU.
 */
void kvm_xpv_mem_request(struct kvm_vcpu *vcpu)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;

	WRITE_ONCE(x->mem_vcpu_idx, vcpu->vcpu_idx);
	kvm_make_request(KVM_REQ_XPV_MEM, vcpu);
	spin_lock(&x->mem_lock);
	if (!x->mem_dying)
		queue_delayed_work(system_wq, &x->recheck_work,
				   msecs_to_jiffies(XPV_MEM_RECHECK_MS));
	spin_unlock(&x->mem_lock);
}

static void xpv_mem_work_fn(struct work_struct *work)
{
	struct kvm_xpv *x = container_of(to_delayed_work(work), struct kvm_xpv,
					 mem_work);

	if (!xpv_mem_kick(xpv_to_kvm(x)))
		return;
	spin_lock(&x->mem_lock);
	if (!x->mem_dying)
		queue_delayed_work(system_wq, &x->recheck_work,
				   msecs_to_jiffies(XPV_MEM_RECHECK_MS));
	spin_unlock(&x->mem_lock);
}

/*
 * Every XPV_MEM_RECHECK_MS while chunks wait for pages to come back, or a
 * request to publish waits to be served: a chunk rechecked n times
 * already is looked up again when the tick is a multiple of 2^n, so the
 * intervals double; an unserved request goes on to the next vCPU.
 */
static void xpv_recheck_work_fn(struct work_struct *work)
{
	struct kvm_xpv *x = container_of(to_delayed_work(work), struct kvm_xpv,
					 recheck_work);
	struct kvm *kvm = xpv_to_kvm(x);
	bool waiting = false, due = false;
	unsigned long chunk;
	u8 n;

	/* A vCPU that runs serves its request within microseconds. */
	if (xpv_mem_unserved(kvm))
		due = true;
	spin_lock(&x->mem_lock);
	if (x->mem_dirty) {
		x->recheck_tick++;
		for_each_set_bit(chunk, x->mem_recheck, x->map_chunks) {
			waiting = true;
			n = min_t(u8, READ_ONCE(x->mem_rechecks[chunk]),
				  XPV_MEM_RECHECKS);
			if (x->recheck_tick & ((1U << n) - 1))
				continue;
			set_bit(chunk, x->mem_dirty);
			due = true;
		}
	}
	spin_unlock(&x->mem_lock);
	if (due && xpv_mem_kick(kvm))
		waiting = true;	/* and check that it is served */
	spin_lock(&x->mem_lock);
	if (waiting && !x->mem_dying)
		queue_delayed_work(system_wq, &x->recheck_work,
				   msecs_to_jiffies(XPV_MEM_RECHECK_MS));
	spin_unlock(&x->mem_lock);
}

void kvm_xpv_mem_init_vm(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	spin_lock_init(&x->mem_lock);
	seqcount_spinlock_init(&x->mem_seq, &x->mem_lock);
	INIT_DELAYED_WORK(&x->mem_work, xpv_mem_work_fn);
	INIT_DELAYED_WORK(&x->recheck_work, xpv_recheck_work_fn);
}

/* Before the vCPUs go: no work may run, and none be queued, after this. */
void kvm_xpv_mem_pre_destroy_vm(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	spin_lock(&x->mem_lock);
	x->mem_dying = true;
	spin_unlock(&x->mem_lock);
	cancel_delayed_work_sync(&x->mem_work);
	cancel_delayed_work_sync(&x->recheck_work);
}

/* Under mem_lock: chunks [first, last] are dirty, the work will see them. */
static void xpv_mem_mark(struct kvm_xpv *x, u64 first, u64 last)
{
	lockdep_assert_held(&x->mem_lock);
	if (!x->mem_dirty || x->mem_dying || first >= x->map_chunks)
		return;
	last = min(last, x->map_chunks - 1);
	bitmap_set(x->mem_dirty, first, last - first + 1);
	queue_delayed_work(system_wq, &x->mem_work,
			   msecs_to_jiffies(XPV_MEM_DELAY_MS));
}

/* MMU notifier, under mmu_lock: the pages of [start, end) may have moved. */
void kvm_xpv_mem_invalidate(struct kvm *kvm, gfn_t start, gfn_t end)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	if (!READ_ONCE(x->enabled) || start >= end)
		return;
	spin_lock(&x->mem_lock);
	xpv_mem_mark(x, start / XPV_CHUNK_PAGES, (end - 1) / XPV_CHUNK_PAGES);
	spin_unlock(&x->mem_lock);
}

static u16 xpv_node_pnode(int nid)
{
	return nid >= 0 && nid < kvm_xpv_nr_pnodes() ? nid :
						       KVM_XPV_PNODE_UNKNOWN;
}

/*
 * Fault path: KVM learned that @pfn backs @gfn.  Nearly every fault finds
 * its chunk published on the page's node, or already marked, so that is
 * checked without mem_lock, which would serialise the VM's faults (the
 * TDP MMU takes them in parallel): the map's pointers and size are read
 * as one (mem_seq), and the arrays they point to are freed only after a
 * grace period (xpv_mem_retire_state()).  Only a chunk to mark takes the
 * lock.
 */
void kvm_xpv_mem_fault(struct kvm *kvm, gfn_t gfn, kvm_pfn_t pfn)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 chunk = gfn / XPV_CHUNK_PAGES, chunks;
	unsigned long *dirty;
	unsigned int seq;
	__le16 *map;
	bool mark;
	u16 pnode;

	if (!READ_ONCE(x->enabled) || !pfn_valid(pfn))
		return;
	pnode = xpv_node_pnode(page_to_nid(pfn_to_page(pfn)));
	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&x->mem_seq);
		map = x->chunk_pnode;
		dirty = x->mem_dirty;
		chunks = x->map_chunks;
	} while (read_seqcount_retry(&x->mem_seq, seq));
	mark = map && chunk < chunks &&
	       le16_to_cpu(READ_ONCE(map[chunk])) != pnode &&
	       !test_bit(chunk, dirty);
	rcu_read_unlock();
	if (!mark)
		return;
	spin_lock(&x->mem_lock);
	if (x->chunk_pnode && chunk < x->map_chunks &&
	    le16_to_cpu(READ_ONCE(x->chunk_pnode[chunk])) != pnode &&
	    !test_bit(chunk, x->mem_dirty))
		xpv_mem_mark(x, chunk, chunk);
	spin_unlock(&x->mem_lock);
}

/* Under mem_lock: the chunks of @slot (may be NULL) are dirty. */
static void xpv_mem_mark_slot(struct kvm_xpv *x,
			      const struct kvm_memory_slot *slot)
{
	if (slot && slot->npages)
		xpv_mem_mark(x, slot->base_gfn / XPV_CHUNK_PAGES,
			     (slot->base_gfn + slot->npages - 1) / XPV_CHUNK_PAGES);
}

/*
 * A memslot was created (@old NULL), deleted (@new NULL) or moved: the
 * chunks of both ranges are looked up again, and the publishing vCPU
 * checks, under x->lock, whether the area's layout changed with them.
 */
void kvm_xpv_mem_memslots_changed(struct kvm *kvm,
				  const struct kvm_memory_slot *old,
				  const struct kvm_memory_slot *new)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	if (!READ_ONCE(x->enabled))
		return;
	spin_lock(&x->mem_lock);
	if (!x->mem_dying) {
		xpv_mem_mark_slot(x, old);
		xpv_mem_mark_slot(x, new);
		WRITE_ONCE(x->mem_slots_changed, true);
		queue_delayed_work(system_wq, &x->mem_work,
				   msecs_to_jiffies(XPV_MEM_DELAY_MS));
	}
	spin_unlock(&x->mem_lock);
}

/*
 * Present pages per pnode, for a walk of the VMM's page tables, and the
 * pages in flight (under migration: unmapped, not yet mapped again).
 */
struct xpv_count {
	u32 *count;
	unsigned long present;
	unsigned long moving;
};

static void xpv_count_add(struct xpv_count *c, struct page *page,
			  unsigned long n)
{
	u16 p = xpv_node_pnode(page_to_nid(page));

	c->present += n;
	if (p != KVM_XPV_PNODE_UNKNOWN)
		c->count[p] += n;
}

/*
 * The page a leaf entry maps, or NULL: @normal, what vm_normal_page*()
 * found, or for device memory (DAX, which they do not return) the page
 * of @pfn.  The zero pages (never-written memory) are neither.
 */
static struct page *xpv_leaf_page(struct page *normal, bool devmap,
				  unsigned long pfn)
{
	if (normal)
		return normal;
	return devmap && pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/*
 * A 1 GiB leaf (device DAX): count it, and keep the walk from going
 * below, which would split the mapping (split_huge_pud()).
 */
static int xpv_count_pud(pud_t *pud, unsigned long addr, unsigned long end,
			 struct mm_walk *walk)
{
	spinlock_t *ptl;	/* the page table lock */
	struct page *page;
	pud_t val;

	ptl = pud_trans_huge_lock(pud, walk->vma);
	if (!ptl)
		return 0;
	val = pudp_get(pud);
	page = !pud_present(val) ? NULL :
	       xpv_leaf_page(NULL, pud_devmap(val), pud_pfn(val));
	if (page)
		xpv_count_add(walk->private, page, (end - addr) >> PAGE_SHIFT);
	spin_unlock(ptl);
	walk->action = ACTION_CONTINUE;
	return 0;
}

/*
 * Like /proc/PID/numa_maps: the page tables say where each present page
 * is, under their lock, with no reference taken and nothing marked
 * accessed.  PROT_NONE entries (NUMA balancing's hinting faults) are
 * present.
 */
static int xpv_count_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
			 struct mm_walk *walk)
{
	struct vm_area_struct *vma = walk->vma;
	struct xpv_count *c = walk->private;
	pte_t *start, *pte;
	struct page *page;
	spinlock_t *ptl;	/* the page table lock */

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	ptl = pmd_trans_huge_lock(pmd, vma);
	if (ptl) {
		pmd_t val = pmdp_get(pmd);

		page = !pmd_present(val) ? NULL :
		       xpv_leaf_page(vm_normal_page_pmd(vma, addr, val),
				     pmd_devmap(val), pmd_pfn(val));
		if (page)
			xpv_count_add(c, page, (end - addr) >> PAGE_SHIFT);
		else if (is_pmd_migration_entry(val))
			c->moving += (end - addr) >> PAGE_SHIFT;
		spin_unlock(ptl);
		return 0;
	}
#endif
	start = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start) {
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (pte = start; addr != end; pte++, addr += PAGE_SIZE) {
		pte_t val = ptep_get(pte);

		page = !pte_present(val) ? NULL :
		       xpv_leaf_page(vm_normal_page(vma, addr, val),
				     pte_devmap(val), pte_pfn(val));
		if (page)
			xpv_count_add(c, page, 1);
		else if (is_swap_pte(val) &&
			 is_migration_entry(pte_to_swp_entry(val)))
			c->moving++;
	}
	pte_unmap_unlock(start, ptl);
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
static int xpv_count_hugetlb(pte_t *ptep, unsigned long hmask,
			     unsigned long addr, unsigned long end,
			     struct mm_walk *walk)
{
	struct xpv_count *c = walk->private;
	pte_t val = huge_ptep_get(walk->mm, addr, ptep);

	if (pte_present(val))
		xpv_count_add(c, pte_page(val), (end - addr) >> PAGE_SHIFT);
	else if (is_hugetlb_entry_migration(val))
		c->moving += (end - addr) >> PAGE_SHIFT;
	return 0;
}
#else
#define xpv_count_hugetlb NULL
#endif

static const struct mm_walk_ops xpv_count_ops = {
	.pud_entry = xpv_count_pud,
	.pmd_entry = xpv_count_pmd,
	.hugetlb_entry = xpv_count_hugetlb,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Count the present pages of [hva, hva + n pages) per node (@count),
 * without faulting anything in; mmap_lock held.  Returns the number of
 * pages present, and adds those in flight to *@moving.  A page table
 * walk rather than get_user_pages(): that would mark every page it finds
 * accessed, which defeats the host's reclaim, and hold a reference to
 * each for a moment, which makes a migration of that page retry.
 */
static unsigned long xpv_count_pages(unsigned long hva, unsigned long n,
				     u32 *count, unsigned long *moving)
{
	struct xpv_count c = { .count = count };

	walk_page_range(current->mm, hva, hva + (n << PAGE_SHIFT),
			&xpv_count_ops, &c);
	*moving += c.moving;
	return c.present;
}

/*
 * The pnode holding most present pages of @chunk, or unknown.  *@covered
 * says whether a memslot covers part of the chunk, *@present how many of
 * its pages are present, *@moving how many are in flight.
 */
static u16 xpv_chunk_lookup(struct kvm *kvm, u64 chunk, bool *covered,
			    unsigned long *present, unsigned long *moving)
{
	gfn_t start = chunk * XPV_CHUNK_PAGES, end = start + XPV_CHUNK_PAGES;
	u32 count[KVM_XPV_MAX_PNODES] = {};
	struct kvm_memslot_iter iter;
	struct kvm_memory_slot *slot;
	u16 best = KVM_XPV_PNODE_UNKNOWN;
	gfn_t s, e;
	int p;

	*present = 0;
	*moving = 0;
	*covered = false;
	kvm_for_each_memslot_in_gfn_range(&iter, kvm_memslots(kvm), start, end) {
		slot = iter.slot;
		if (!kvm_is_visible_memslot(slot))
			continue;
		s = max(start, slot->base_gfn);
		e = min(end, slot->base_gfn + slot->npages);
		if (!*covered)
			mmap_read_lock(current->mm);
		*covered = true;
		*present += xpv_count_pages(__gfn_to_hva_memslot(slot, s),
					    e - s, count, moving);
	}
	if (*covered)
		mmap_read_unlock(current->mm);
	for (p = 0; p < kvm_xpv_nr_pnodes(); p++)
		if (count[p] && (best == KVM_XPV_PNODE_UNKNOWN ||
				 count[p] > count[best]))
			best = p;
	return best;
}

/*
 * Under x->lock: the stats' memory per pnode follows what the area
 * publishes, the map's first nr_chunks entries.
 */
static void xpv_mem_count(struct kvm *kvm, u64 chunk, __le16 entry, bool add)
{
	u16 p = le16_to_cpu(entry);
	u64 *bytes;

	if (p >= KVM_XPV_MAX_PNODES || chunk >= kvm->arch.xpv.nr_chunks)
		return;
	bytes = &kvm->stat.xpv_pnode_bytes[p];
	if (add)
		*bytes += 1ULL << XPV_CHUNK_SHIFT;
	else
		*bytes -= 1ULL << XPV_CHUNK_SHIFT;
}

/* Under x->lock, when nr_chunks or the map changed: count them all again. */
void kvm_xpv_mem_recount(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 i;

	memset(kvm->stat.xpv_pnode_bytes, 0, sizeof(kvm->stat.xpv_pnode_bytes));
	for (i = 0; x->chunk_pnode && i < min(x->nr_chunks, x->map_chunks); i++)
		xpv_mem_count(kvm, i, x->chunk_pnode[i], true);
}

/* The per-chunk state, allocated and replaced as one. */
struct xpv_mem_state {
	__le16 *map;
	u16 *present;
	u8 *rechecks;
	unsigned long *dirty, *recheck;
};

static void xpv_mem_free_state(struct xpv_mem_state *st)
{
	kvfree(st->map);
	kvfree(st->present);
	kvfree(st->rechecks);
	bitmap_free(st->dirty);
	bitmap_free(st->recheck);
}

/*
 * A state that was the VM's: the fault path may still be reading its map
 * and dirty bitmap (kvm_xpv_mem_fault()), which go after a grace period.
 */
static void xpv_mem_retire_state(struct xpv_mem_state *st)
{
	kvfree_rcu_mightsleep(st->map);
	kvfree_rcu_mightsleep(st->dirty);
	st->map = NULL;
	st->dirty = NULL;
	xpv_mem_free_state(st);
}

/* Under mem_lock: @st becomes the VM's, the VM's old state goes to @st. */
static void xpv_mem_swap_state(struct kvm_xpv *x, struct xpv_mem_state *st,
			       u64 chunks)
{
	lockdep_assert_held(&x->mem_lock);
	write_seqcount_begin(&x->mem_seq);
	swap(x->chunk_pnode, st->map);
	swap(x->mem_present, st->present);
	swap(x->mem_rechecks, st->rechecks);
	swap(x->mem_dirty, st->dirty);
	swap(x->mem_recheck, st->recheck);
	x->map_chunks = chunks;
	write_seqcount_end(&x->mem_seq);
}

/*
 * Under x->lock: a map for the memslots as they are now, as far as the
 * area has room (kvm_xpv_area_chunks(): at most 8 Mi chunks).  The chunks
 * of the old map keep their state: pnode, present count, whether they
 * wait to be looked up or rechecked (the memslot changes that led here
 * marked theirs).  The new ones are looked up; with no old map, all are.
 */
static int xpv_mem_resize(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 chunks = kvm_xpv_area_chunks(kvm), keep, i;
	u64 n = max(chunks, 1ULL);
	struct xpv_mem_state st;

	/* The same size: nothing to do (a whole publish may follow). */
	if (x->chunk_pnode && chunks == x->map_chunks)
		return 0;
	st = (struct xpv_mem_state) {
		.map = kvmalloc_array(n, sizeof(*st.map), GFP_KERNEL_ACCOUNT),
		.present = kvcalloc(n, sizeof(*st.present), GFP_KERNEL_ACCOUNT),
		.rechecks = kvcalloc(n, sizeof(*st.rechecks),
				     GFP_KERNEL_ACCOUNT),
		.dirty = bitmap_zalloc(n, GFP_KERNEL_ACCOUNT),
		.recheck = bitmap_zalloc(n, GFP_KERNEL_ACCOUNT),
	};

	if (!st.map || !st.present || !st.rechecks || !st.dirty ||
	    !st.recheck) {
		xpv_mem_free_state(&st);
		return -ENOMEM;
	}
	keep = x->chunk_pnode ? min(chunks, x->map_chunks) : 0;
	if (keep) {
		/* Written under x->lock only, like the recheck bitmap. */
		memcpy(st.map, x->chunk_pnode, keep * sizeof(*st.map));
		memcpy(st.present, x->mem_present, keep * sizeof(*st.present));
		memcpy(st.rechecks, x->mem_rechecks,
		       keep * sizeof(*st.rechecks));
		bitmap_copy_clear_tail(st.recheck, x->mem_recheck, keep);
	}
	for (i = keep; i < chunks; i++)
		st.map[i] = cpu_to_le16(KVM_XPV_PNODE_UNKNOWN);

	spin_lock(&x->mem_lock);
	/* Marked under mem_lock: no mark is lost between copy and swap. */
	if (keep)
		bitmap_copy_clear_tail(st.dirty, x->mem_dirty, keep);
	bitmap_set(st.dirty, keep, chunks - keep);
	xpv_mem_swap_state(x, &st, chunks);
	spin_unlock(&x->mem_lock);
	xpv_mem_retire_state(&st);
	return 0;
}

/* Under x->lock: tracking stops, no work will use the map. */
void kvm_xpv_mem_disable(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	struct xpv_mem_state st = {};

	spin_lock(&x->mem_lock);
	xpv_mem_swap_state(x, &st, 0);
	x->mem_resize = false;
	x->mem_slots_changed = false;
	spin_unlock(&x->mem_lock);
	memset(kvm->stat.xpv_pnode_bytes, 0, sizeof(kvm->stat.xpv_pnode_bytes));
	/* The works only kick a vCPU, which finds nothing to do. */
	xpv_mem_retire_state(&st);
}

/*
 * Under x->lock: @chunk has @present pages now, @moving in flight (in a
 * memslot if @covered).  Pages in flight, or fewer present than before,
 * are a migration whose end nobody notifies (or pages gone): keep
 * looking until none is in flight and they are back, or XPV_MEM_RECHECKS
 * times for pages that do not come back.  Pages in flight always land
 * (and their remap raises nothing), so while some are, the chunk is
 * never given up on: it is looked at again at the longest interval.
 * Every lookup counts, those of new invalidations too.  Returns true
 * when the chunk waits for a recheck.
 */
static bool xpv_mem_present(struct kvm_xpv *x, u64 chunk, bool covered,
			    unsigned long present, unsigned long moving)
{
	u8 n = x->mem_rechecks[chunk];

	if (covered && (moving || present < x->mem_present[chunk])) {
		/* Keep the count from before the loss, to see it end. */
		if (!test_and_set_bit(chunk, x->mem_recheck)) {
			WRITE_ONCE(x->mem_rechecks[chunk], 0);
			return true;
		}
		if (++n < XPV_MEM_RECHECKS || moving) {
			WRITE_ONCE(x->mem_rechecks[chunk],
				   min_t(u8, n, XPV_MEM_RECHECKS - 1));
			return true;
		}
	}
	/* All back, more, or given up on: this is the chunk now. */
	x->mem_present[chunk] = present;
	clear_bit(chunk, x->mem_recheck);
	return false;
}

/*
 * Is an invalidation of @chunk's guest frames in progress?  The MMU
 * notifier marks a chunk dirty when an invalidation starts, before the
 * primary MMU changes its page tables (a migration unmaps the pages only
 * after that): a look before the invalidation ends could find the old
 * pages, and unless the guest touches the chunk again (a fault on
 * another node marks it), nothing would mark it again.  Such a chunk is
 * looked up once the invalidation has ended.  KVM's fault path waits
 * for the same (mmu_invalidate_retry_gfn()).
 */
static bool xpv_mem_invalidating(struct kvm *kvm, u64 chunk)
{
	gfn_t start = chunk * XPV_CHUNK_PAGES, end = start + XPV_CHUNK_PAGES;
	bool busy;

	read_lock(&kvm->mmu_lock);
	busy = kvm->mmu_invalidate_in_progress &&
	       (kvm->mmu_invalidate_range_start == INVALID_GPA ||
		(start < kvm->mmu_invalidate_range_end &&
		 end > kvm->mmu_invalidate_range_start));
	read_unlock(&kvm->mmu_lock);
	return busy;
}

/*
 * Under x->lock: look up dirty chunks, at most @budget with memory (and
 * 64 times as many without), and take their pnodes into the map.  The
 * indexes of the chunks that changed go to @changed (room for @budget);
 * returns how many, or -errno.  *@more says dirty chunks remain,
 * *@nr_looked how many with memory were looked up.
 */
static long xpv_mem_scan(struct kvm *kvm, unsigned long budget, u64 *changed,
			 bool *more, unsigned long *nr_looked)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	unsigned long chunk = 0, looked = 0, empty = 0, n = 0;
	unsigned long present, moving;
	bool covered, recheck = false, busy = false;
	__le16 entry;

	*more = false;
	*nr_looked = 0;
	/* The walk is of current->mm: only the VM's process may look. */
	if (current->mm != kvm->mm)
		return -EINVAL;
	for (;;) {
		/*
		 * The budget bounds the page lookups; a chunk in no memslot
		 * costs a memslot search only, and counts for less.
		 */
		bool full = looked == budget || n == budget ||
			    empty == budget * XPV_MEM_EMPTY_PER_LOOKUP;

		spin_lock(&x->mem_lock);
		chunk = find_next_bit(x->mem_dirty, x->map_chunks, chunk);
		if (chunk < x->map_chunks) {
			if (full)
				*more = true;
			else
				clear_bit(chunk, x->mem_dirty);
		}
		spin_unlock(&x->mem_lock);
		if (chunk >= x->map_chunks || full)
			break;

		/*
		 * Checked after the bit is cleared: an invalidation that
		 * starts later marks the chunk again.  A chunk put back
		 * costs a lock, not a lookup, and counts as one in no
		 * memslot.
		 */
		if (xpv_mem_invalidating(kvm, chunk)) {
			spin_lock(&x->mem_lock);
			set_bit(chunk, x->mem_dirty);
			spin_unlock(&x->mem_lock);
			kvm->stat.xpv_mem_deferred++;
			busy = true;
			empty++;
			chunk++;
			continue;
		}
		entry = cpu_to_le16(xpv_chunk_lookup(kvm, chunk, &covered,
						     &present, &moving));
		if (covered)
			looked++;
		else
			empty++;
		if (moving)
			kvm->stat.xpv_mem_in_flight++;
		recheck |= xpv_mem_present(x, chunk, covered, present, moving);

		if (entry != x->chunk_pnode[chunk]) {
			xpv_mem_count(kvm, chunk, x->chunk_pnode[chunk], false);
			xpv_mem_count(kvm, chunk, entry, true);
			WRITE_ONCE(x->chunk_pnode[chunk], entry);
			changed[n++] = chunk;
		}
		chunk++;
		cond_resched();
	}
	/*
	 * Chunks put back are looked at again by the next batch, when one
	 * follows and this one looked up pages; else (no batch follows, or
	 * every chunk this one found was put back or in no memslot) by a
	 * work in XPV_MEM_DELAY_MS, not at once: an invalidation can last.
	 */
	if (busy && *more && looked)
		busy = false;
	else if (busy)
		*more = false;	/* the work asks for the rest */
	if (recheck || busy) {
		spin_lock(&x->mem_lock);
		if (recheck && !x->mem_dying)
			queue_delayed_work(system_wq, &x->recheck_work,
					   msecs_to_jiffies(XPV_MEM_RECHECK_MS));
		if (busy && !x->mem_dying)
			queue_delayed_work(system_wq, &x->mem_work,
					   msecs_to_jiffies(XPV_MEM_DELAY_MS));
		spin_unlock(&x->mem_lock);
	}
	*nr_looked = looked;
	kvm->stat.xpv_mem_lookups += looked;
	return n;
}

/*
 * Registration, under x->lock: a map for the current memslots, and one
 * batch of its dirty chunks looked up now, so that the first publish
 * (kvm_xpv_publish_all(), next) is already right for a small VM.  The
 * first registration marks every chunk dirty.  A registration again
 * (the guest asks for the whole area) keeps the map, which tracking
 * kept current meanwhile, and marks only the chunks a larger area adds.
 * A larger VM's first publish has unknown for the chunks not looked up
 * yet, and the rest comes in batches through KVM_REQ_XPV_MEM: no
 * registration looks up more than XPV_MEM_BATCH chunks under the lock,
 * whatever the guest's size.
 */
int kvm_xpv_mem_enable(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 changed[XPV_MEM_BATCH];
	unsigned long looked;
	bool more;

	if (xpv_mem_resize(kvm))
		return -ENOMEM;
	WRITE_ONCE(x->mem_vcpu_idx, vcpu->vcpu_idx);
	if (xpv_mem_scan(kvm, XPV_MEM_BATCH, changed, &more, &looked) >= 0 &&
	    !more)
		return 0;
	spin_lock(&x->mem_lock);
	if (!x->mem_dying)
		queue_delayed_work(system_wq, &x->mem_work, 0);
	spin_unlock(&x->mem_lock);
	return 0;
}

/* Did the memslots change since the last look?  Clears the note. */
static bool xpv_mem_take_slots_changed(struct kvm_xpv *x)
{
	bool changed;

	spin_lock(&x->mem_lock);
	changed = x->mem_slots_changed;
	x->mem_slots_changed = false;
	spin_unlock(&x->mem_lock);
	return changed;
}

/* KVM_REQ_XPV_MEM, in the publishing vCPU's KVM_RUN. */
void kvm_xpv_mem_update(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 changed[XPV_MEM_BATCH], start = ktime_get_ns();
	unsigned long looked;
	unsigned long delay = 1;	/* the next batch after the guest ran a little */
	bool more = false;
	__le16 entry;
	long n, i;

	kvm_xpv_lock(kvm);
	if (!x->enabled)
		goto out;
	/* This vCPU runs: ask it first next time. */
	WRITE_ONCE(x->mem_vcpu_idx, vcpu->vcpu_idx);
	/* A whole publish that waited for a dirty ring goes first. */
	if (x->publishing) {
		if (kvm_xpv_publish_resume(vcpu))
			goto fail;
		if (x->publishing)
			goto out;	/* waits again */
	}
	/*
	 * The memslots changed: a map of another size, or an area whose
	 * chunk count or truncation flag would change, is written whole.
	 */
	if (xpv_mem_take_slots_changed(x)) {
		u64 chunks = kvm_xpv_area_chunks(kvm);

		if (chunks != x->map_chunks || chunks != x->nr_chunks ||
		    (kvm_xpv_guest_chunks(kvm) > chunks) != x->truncated)
			WRITE_ONCE(x->mem_resize, true);
	}
	if (READ_ONCE(x->mem_resize)) {
		WRITE_ONCE(x->mem_resize, false);
		if (xpv_mem_resize(kvm)) {
			WRITE_ONCE(x->mem_resize, true);
			/* Out of memory: try again in a second, not a jiffy. */
			delay = msecs_to_jiffies(XPV_MEM_RECHECK_MS);
			more = true;
			goto out;
		}
		/* New nr_chunks: the whole area, then the lookups. */
		if (kvm_xpv_publish_all(vcpu))
			goto fail;
		if (x->publishing)
			goto out;
	}
	/* A batch starts below the dirty ring's soft limit, or waits. */
	if (kvm_xpv_ring_full(kvm)) {
		kvm_xpv_mem_request(vcpu);
		goto out;
	}
	/* Look first, then write: the guest's readers wait only for the writes. */
	n = xpv_mem_scan(kvm, XPV_MEM_BATCH, changed, &more, &looked);
	if (n <= 0)
		goto out;
	/*
	 * The map holds the new pnodes already: if the area cannot take
	 * them, the next update writes it whole again from the map.
	 */
	if (kvm_xpv_begin(kvm))
		goto fail;
	for (i = 0; i < n; i++) {
		if (changed[i] >= x->nr_chunks)
			continue;	/* beyond a truncated area */
		entry = x->chunk_pnode[changed[i]];
		if (kvm_xpv_write(kvm, x->chunk_offset + changed[i] * sizeof(u16),
				  &entry, sizeof(entry)))
			goto fail;	/* the area's memory went away */
	}
	if (kvm_xpv_end(kvm))
		goto fail;
	kvm->stat.xpv_mem_updates++;
	kvm->stat.xpv_mem_chunks += n;
	trace_kvm_xpv_mem_publish(looked, n, x->version, kvm_xpv_notify(vcpu),
				  ktime_get_ns() - start);
	goto out;
fail:
	/* The whole area again, in a second: seq may be left odd. */
	WRITE_ONCE(x->mem_resize, true);
	delay = msecs_to_jiffies(XPV_MEM_RECHECK_MS);
	more = true;
out:
	kvm_xpv_unlock(kvm);
	if (more) {
		spin_lock(&x->mem_lock);
		if (!x->mem_dying)
			queue_delayed_work(system_wq, &x->mem_work, delay);
		spin_unlock(&x->mem_lock);
	}
}
