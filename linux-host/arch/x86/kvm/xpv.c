// SPDX-License-Identifier: GPL-2.0-only
/*
 * XPV: publish a VM's live NUMA placement in its topology area.
 *
 * The guest registers one area per VM (MSR_KVM_XPV_*, see
 * Documentation/virt/kvm/x86/msr.rst and asm/kvm_xpv.h).  KVM writes it
 * from vCPU context, where guest memory may be touched and the pages are
 * marked dirty for live migration:
 *
 *  - on registration, the whole area (header, distances, all vCPUs, and
 *    the chunk table as xpv_mem.c knows it);
 *  - when a vCPU is loaded on a CPU of another host node, its entry
 *    (kvm_arch_vcpu_load() notes the move, the vCPU publishes it before
 *    entering the guest);
 *  - when guest memory moved between host nodes, the chunks that changed
 *    (xpv_mem.c).
 *
 * Every change is written as seq odd -> tables -> version++ -> seq even,
 * under the per-VM mutex (with a dirty ring, a whole publish may take
 * steps, the vCPU exiting to the VMM in between while seq stays odd: see
 * kvm_xpv_ring_full()).  The publishing vCPU then gets an interrupt on
 * the guest's vector, unless one is still unacknowledged: notifications
 * are coalesced.  The guest acknowledges with the version it consumed; a
 * newer version at that point is notified at once, so no change is lost.
 */
#include <linux/kvm_host.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include <asm/kvm_para.h>
#include <asm/kvm_xpv.h>

#include "lapic.h"
#include "trace.h"
#include "x86.h"
#include "xpv.h"

#define XPV_FULL_UPDATE		U32_MAX	/* trace: not one vCPU's entry */

/*
 * The pages a whole publish dirties before its chunk table: seq, header,
 * distances (up to two pages), and a vCPU table of up to KVM_MAX_VCPU_IDS
 * entries.  With the next chunk step (2 pages) and the end (2 writes),
 * within half a dirty ring's reserve: the other half is for what KVM
 * writes besides before the vCPU exits (see kvm_xpv_ring_full()).
 */
#define XPV_HEAD_PAGES	(4 + DIV_ROUND_UP(KVM_MAX_VCPU_IDS * sizeof(u16), PAGE_SIZE) + 1)
static_assert(XPV_HEAD_PAGES + 2 + 2 <= KVM_DIRTY_RING_RSVD_ENTRIES / 2);

/* kvm.xpv=0: no XPV on this host, as if built without CONFIG_KVM_XPV. */
bool __read_mostly kvm_xpv_enabled = true;
module_param_named(xpv, kvm_xpv_enabled, bool, 0444);

/* A page of "unknown" chunk entries, to fill the chunk table with. */
static const __le16 xpv_unknown[PAGE_SIZE / sizeof(__le16)] = {
	[0 ... PAGE_SIZE / sizeof(__le16) - 1] = cpu_to_le16(KVM_XPV_PNODE_UNKNOWN),
};

static bool xpv_guest_has(struct kvm_vcpu *vcpu)
{
	/*
	 * Unlike guest_pv_has(), always enforced: XPV is new ABI, and a
	 * guest that was not offered it has no business touching its MSRs.
	 */
	return vcpu->arch.pv_cpuid.features & (1u << KVM_FEATURE_XPV);
}

u16 kvm_xpv_nr_pnodes(void)
{
	return min_t(unsigned int, nr_node_ids, KVM_XPV_MAX_PNODES);
}

static u16 xpv_cpu_pnode(int cpu)
{
	int node;

	if (cpu < 0 || cpu >= nr_cpu_ids)
		return KVM_XPV_PNODE_UNKNOWN;
	node = cpu_to_node(cpu);
	if (node < 0 || node >= kvm_xpv_nr_pnodes())
		return KVM_XPV_PNODE_UNKNOWN;
	return node;
}

/*
 * The VM's XPV lock.  Every vCPU of the VM may need it (a node move, an
 * INIT), so no holder does work that grows with the guest's size beyond
 * writing the area itself; the longest hold is the xpv_lock_max_ns stat.
 */
void kvm_xpv_lock(struct kvm *kvm)
{
	mutex_lock(&kvm->arch.xpv.lock);
	kvm->arch.xpv.locked_ns = ktime_get_ns();
}

void kvm_xpv_unlock(struct kvm *kvm)
{
	u64 held = ktime_get_ns() - kvm->arch.xpv.locked_ns;

	if (held > kvm->stat.xpv_lock_max_ns)
		kvm->stat.xpv_lock_max_ns = held;
	mutex_unlock(&kvm->arch.xpv.lock);
}

void kvm_xpv_init_vm(struct kvm *kvm)
{
	mutex_init(&kvm->arch.xpv.lock);
	/* The first registration does not wait. */
	kvm->arch.xpv.register_jiffies =
		jiffies - msecs_to_jiffies(XPV_REGISTER_INTERVAL_MS);
	kvm_xpv_mem_init_vm(kvm);
}

static void xpv_free(struct kvm_xpv *x)
{
	kvfree(x->vcpu_pnode);
	x->vcpu_pnode = NULL;
	kfree(x->distance);
	x->distance = NULL;
}

void kvm_xpv_destroy_vm(struct kvm *kvm)
{
	kvm_xpv_mem_disable(kvm);
	xpv_free(&kvm->arch.xpv);
	mutex_destroy(&kvm->arch.xpv.lock);
}

int kvm_xpv_write(struct kvm *kvm, unsigned int offset, const void *data,
		  unsigned long len)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	/*
	 * A cache over more than one page writes through kvm_write_guest(),
	 * which marks every page dirty, and one over a single page marks
	 * that page: live migration sees every write (xpv_test checks it).
	 */
	if (offset > x->layout_size || len > x->layout_size - offset)
		return -EINVAL;
	return kvm_write_guest_offset_cached(kvm, &x->ghc, (void *)data,
					     offset, len);
}

static int xpv_write_seq(struct kvm *kvm)
{
	__le32 seq = cpu_to_le32(kvm->arch.xpv.seq);

	return kvm_xpv_write(kvm, offsetof(struct kvm_xpv_header, seq), &seq,
			     sizeof(seq));
}

/* seq odd: the guest retries until the update is complete. */
int kvm_xpv_begin(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	x->seq |= 1;
	if (xpv_write_seq(kvm))
		return -EFAULT;
	/* seq odd before any table write; pairs with the guest's smp_rmb() */
	smp_wmb();
	return 0;
}

/* version++ and seq even: the update is visible. */
int kvm_xpv_end(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	__le64 version;

	/* tables before the version; pairs with the guest's smp_rmb() */
	smp_wmb();
	x->version++;
	version = cpu_to_le64(x->version);
	if (kvm_xpv_write(kvm, offsetof(struct kvm_xpv_header, version),
			  &version, sizeof(version)))
		return -EFAULT;
	/* version before seq goes even; pairs with the guest's smp_rmb() */
	smp_wmb();
	x->seq++;
	if (xpv_write_seq(kvm))
		return -EFAULT;
	kvm->stat.xpv_updates++;
	kvm->stat.xpv_version = x->version;
	return 0;
}

/*
 * Interrupt the publishing vCPU, unless a notification is outstanding.
 * One outstanding for XPV_NOTIFY_RETRY_MS is given up: the vCPU that got
 * it may have gone offline in the guest without an INIT, its interrupt
 * left pending for ever, and every later change would be coalesced into
 * it.  So a guest that does not acknowledge gets at most one
 * notification per XPV_NOTIFY_RETRY_MS.
 */
bool kvm_xpv_notify(struct kvm_vcpu *vcpu)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;
	struct kvm_lapic_irq irq = {
		.delivery_mode = APIC_DM_FIXED,
		.vector = x->vector,
	};

	if (x->notify_pending &&
	    time_before(jiffies, x->notify_jiffies +
				 msecs_to_jiffies(XPV_NOTIFY_RETRY_MS))) {
		vcpu->kvm->stat.xpv_coalesced++;
		return false;
	}
	/* Not accepted (APIC software-disabled): the next change retries. */
	if (!kvm_apic_set_irq(vcpu, &irq, NULL))
		return false;
	x->notify_pending = true;
	x->notify_vcpu_id = vcpu->vcpu_id;
	x->notify_jiffies = jiffies;
	vcpu->kvm->stat.xpv_notifications++;
	return true;
}

/*
 * A VMM that harvests dirty pages from rings (KVM_CAP_DIRTY_LOG_RING) lets
 * a vCPU push KVM_DIRTY_RING_RSVD_ENTRIES entries past its ring's soft
 * limit, before the vCPU exits for the VMM to harvest.  More would fill
 * the ring: kvm_dirty_ring_push() warns, and overwrites an entry whose page
 * live migration then never copies again.  So every update of the area
 * starts below the soft limit and dirties at most half that reserve (a
 * vCPU's entry: 4 writes; a memory batch: XPV_MEM_BATCH + 3), leaving
 * the rest for what KVM writes besides before the vCPU exits (async PF
 * tokens, SMRAM, PV EOI, Hyper-V and Xen messages), and a
 * whole publish, thousands of pages for a large guest, goes in steps of at
 * most a page, each begun below the soft limit.  When the ring is soft
 * full, the update waits: the vCPU exits to the VMM before it next enters
 * the guest, and serves the update when it comes back.
 */
bool kvm_xpv_ring_full(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	return kvm->dirty_ring_size && vcpu &&
	       kvm_dirty_ring_soft_full(&vcpu->dirty_ring);
}

/* Highest guest-physical chunk any memslot covers. */
u64 kvm_xpv_guest_chunks(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	u64 end = 0;
	int bkt;

	slots = kvm_memslots(kvm);
	kvm_for_each_memslot(slot, bkt, slots)
		if (kvm_is_visible_memslot(slot))
			end = max_t(u64, end, slot->base_gfn + slot->npages);
	return DIV_ROUND_UP_ULL(end, 1ULL << (XPV_CHUNK_SHIFT - PAGE_SHIFT));
}

/*
 * The chunks the registered area has room for: no more are published, so
 * no more are tracked (xpv_mem.c), whatever the guest-physical span (high
 * BARs, hotplug ranges).  At most XPV_MAX_PAGES pages of 2-byte entries.
 */
u64 kvm_xpv_area_chunks(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;

	return min_t(u64, kvm_xpv_guest_chunks(kvm),
		     (x->layout_size - x->chunk_offset) / sizeof(u16));
}

/* A whole publish waits for the VMM to harvest the dirty ring. */
static int xpv_publish_wait(struct kvm_vcpu *vcpu)
{
	vcpu->kvm->stat.xpv_ring_waits++;
	kvm_xpv_mem_request(vcpu);
	return 0;
}

/*
 * The chunk table from x->publish_chunk on, a page at a time: the chunks
 * xpv_mem.c tracks, then unknown for the rest.  Then the update is
 * complete: version, seq, notification, and every vCPU checks its entry,
 * which may have changed while the publish waited.
 */
static int xpv_publish_chunks(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_xpv *x = &kvm->arch.xpv;
	u64 i = x->publish_chunk, n;
	const __le16 *src;
	struct kvm_vcpu *v;
	unsigned long j;
	int r;

	while (i < x->nr_chunks) {
		if (kvm_xpv_ring_full(kvm)) {
			x->publish_chunk = i;
			return xpv_publish_wait(vcpu);
		}
		if (i < x->map_chunks) {
			n = min(x->nr_chunks, x->map_chunks) - i;
			src = x->chunk_pnode + i;
		} else {
			n = x->nr_chunks - i;
			src = xpv_unknown;
		}
		n = min_t(u64, n, ARRAY_SIZE(xpv_unknown));
		r = kvm_xpv_write(kvm, x->chunk_offset + i * sizeof(u16), src,
				  n * sizeof(u16));
		if (r)
			goto fail;
		i += n;
		cond_resched();
	}
	x->publishing = XPV_PUBLISH_NONE;
	r = kvm_xpv_end(kvm);
	if (r)
		return r;
	kvm_for_each_vcpu(j, v, kvm)
		if (v->vcpu_id < x->nr_vcpus)
			v->stat.xpv_pnode = le16_to_cpu(x->vcpu_pnode[v->vcpu_id]);
	trace_kvm_xpv_publish(XPV_FULL_UPDATE, KVM_XPV_PNODE_UNKNOWN,
			      x->version, kvm_xpv_notify(vcpu));
	kvm_make_all_cpus_request(kvm, KVM_REQ_XPV_UPDATE);
	return 0;
fail:
	/* The caller starts again from the beginning, if at all. */
	x->publishing = XPV_PUBLISH_NONE;
	return r;
}

/*
 * Write the whole area: header, distances, vCPU and chunk tables.  With a
 * dirty ring it may complete later, from kvm_xpv_publish_resume(); no
 * other update is written meanwhile.
 */
int kvm_xpv_publish_all(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_xpv *x = &kvm->arch.xpv;
	struct kvm_xpv_header h = {};
	u64 chunks = kvm_xpv_guest_chunks(kvm);
	struct kvm_vcpu *v;
	unsigned long j;
	u32 flags = 0;
	int r;

	x->publishing = XPV_PUBLISH_START;
	if (kvm_xpv_ring_full(kvm))
		return xpv_publish_wait(vcpu);

	x->nr_chunks = kvm_xpv_area_chunks(kvm);
	x->truncated = x->nr_chunks < chunks;
	if (x->truncated)
		flags |= KVM_XPV_F_CHUNKS_TRUNCATED;
	kvm_xpv_mem_recount(kvm);

	kvm_for_each_vcpu(j, v, kvm)
		if (v->vcpu_id < x->nr_vcpus)
			x->vcpu_pnode[v->vcpu_id] =
				cpu_to_le16(xpv_cpu_pnode(READ_ONCE(v->cpu)));

	r = kvm_xpv_begin(kvm);
	if (r)
		goto fail;
	h.magic = cpu_to_le32(KVM_XPV_MAGIC);
	h.abi_version = cpu_to_le16(KVM_XPV_ABI_VERSION);
	h.header_size = cpu_to_le16(sizeof(h));
	h.seq = cpu_to_le32(x->seq);
	h.flags = cpu_to_le32(flags);
	h.version = cpu_to_le64(x->version);
	h.nr_pnodes = cpu_to_le16(x->nr_pnodes);
	h.chunk_shift = XPV_CHUNK_SHIFT;
	h.nr_vcpus = cpu_to_le32(x->nr_vcpus);
	h.nr_chunks = cpu_to_le64(x->nr_chunks);
	h.distance_offset = cpu_to_le32(sizeof(h));
	h.vcpu_offset = cpu_to_le32(x->vcpu_offset);
	h.chunk_offset = cpu_to_le32(x->chunk_offset);
	h.area_size = cpu_to_le32(x->layout_size);
	/* Within the dirty ring's reserve: see XPV_HEAD_PAGES. */
	r = kvm_xpv_write(kvm, 0, &h, sizeof(h));
	if (!r)
		r = kvm_xpv_write(kvm, sizeof(h), x->distance,
				  x->nr_pnodes * x->nr_pnodes);
	if (!r)
		r = kvm_xpv_write(kvm, x->vcpu_offset, x->vcpu_pnode,
				  x->nr_vcpus * sizeof(u16));
	if (r)
		goto fail;
	x->publishing = XPV_PUBLISH_CHUNKS;
	x->publish_chunk = 0;
	return xpv_publish_chunks(vcpu);
fail:
	x->publishing = XPV_PUBLISH_NONE;
	return r;
}

/* Under x->lock: go on with a whole publish that waited for a dirty ring. */
int kvm_xpv_publish_resume(struct kvm_vcpu *vcpu)
{
	switch (vcpu->kvm->arch.xpv.publishing) {
	case XPV_PUBLISH_START:
		return kvm_xpv_publish_all(vcpu);
	case XPV_PUBLISH_CHUNKS:
		return xpv_publish_chunks(vcpu);
	}
	return 0;
}

static bool xpv_meets(gpa_t gpa, u64 len, u64 start, u64 size)
{
	return start < gpa + len && gpa < start + size;
}

/* Does [gpa, gpa + len) meet one of the vCPUs' other PV areas? */
static bool xpv_overlaps_pv_areas(struct kvm *kvm, gpa_t gpa, u64 len)
{
	struct kvm_vcpu *v;
	unsigned long i;
	u64 st, time, apf, eoi;

	kvm_for_each_vcpu(i, v, kvm) {
		st = READ_ONCE(v->arch.st.msr_val);
		time = READ_ONCE(v->arch.time);
		apf = READ_ONCE(v->arch.apf.msr_en_val);
		eoi = READ_ONCE(v->arch.pv_eoi.msr_val);
		if ((st & KVM_MSR_ENABLED) &&
		    xpv_meets(gpa, len, st & KVM_STEAL_VALID_BITS,
			      sizeof(struct kvm_steal_time)))
			return true;
		if ((time & 1) &&
		    xpv_meets(gpa, len, time & ~1ULL,
			      sizeof(struct pvclock_vcpu_time_info)))
			return true;
		if ((apf & KVM_ASYNC_PF_ENABLED) &&
		    xpv_meets(gpa, len, apf & ~0x3fULL,
			      sizeof(struct kvm_vcpu_pv_apf_data)))
			return true;
		if ((eoi & KVM_MSR_ENABLED) &&
		    xpv_meets(gpa, len, eoi & ~1ULL, sizeof(u32)))
			return true;
	}
	return false;
}

static void xpv_disable(struct kvm *kvm)
{
	struct kvm_xpv *x = &kvm->arch.xpv;
	struct kvm_vcpu *v;
	unsigned long i;

	WRITE_ONCE(x->enabled, false);
	x->publishing = XPV_PUBLISH_NONE;
	x->area = 0;
	x->area_pending = 0;
	x->notify_pending = false;
	kvm_xpv_mem_disable(kvm);
	xpv_free(x);
	/* The stats show what is published: nothing now. */
	kvm->stat.xpv_version = 0;
	kvm_for_each_vcpu(i, v, kvm)
		v->stat.xpv_pnode = KVM_XPV_PNODE_UNKNOWN;
}

/*
 * The guest registered another PV area (steal time, kvmclock, async page
 * fault, PV EOI) over the XPV area: it reuses that memory, as a kernel
 * kexec'd without unregistering would.  The newer registration wins: KVM
 * stops writing the XPV area, rather than corrupt the other area or fail
 * an MSR write that never failed for this.  Userspace restoring MSRs is
 * not checked: the registration it restores was checked when made.
 */
void kvm_xpv_pv_area_set(struct kvm_vcpu *vcpu, gpa_t gpa, u64 len, bool host)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;

	/* Not locklessly: a registration may be between its checks and enabled. */
	if (host || !kvm_xpv_enabled)
		return;
	kvm_xpv_lock(vcpu->kvm);
	if (x->enabled &&
	    xpv_meets(gpa, len, x->area & ~(KVM_XPV_AREA_ALIGN - 1ULL),
		      x->layout_size))
		xpv_disable(vcpu->kvm);
	kvm_xpv_unlock(vcpu->kvm);
}

/*
 * Check and take a registration: page aligned, no reserved bits, every
 * page in a visible, writable memslot, no overlap with the other PV
 * areas, and room for the header, the distances and the vCPU table.
 */
static int xpv_enable(struct kvm_vcpu *vcpu, u64 data, bool host)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_xpv *x = &kvm->arch.xpv;
	gpa_t gpa = data & ~(KVM_XPV_AREA_ALIGN - 1ULL);
	struct gfn_to_hva_cache ghc;
	struct kvm_xpv_header old;
	u32 nr_vcpus = min_t(u32, kvm->arch.max_vcpu_ids, U16_MAX);
	u16 nr_pnodes = kvm_xpv_nr_pnodes();
	u32 vcpu_offset, chunk_offset;
	__le16 *vcpu_pnode;
	u8 *distance;
	gfn_t gfn;
	int a, b;

	if (data & KVM_XPV_AREA_RESERVED)
		return 1;
	if (!x->size || !x->vector || !lapic_in_kernel(vcpu))
		return 1;
	if (gpa + x->size < gpa)
		return 1;
	vcpu_offset = ALIGN(sizeof(struct kvm_xpv_header) + nr_pnodes * nr_pnodes, 8);
	chunk_offset = ALIGN(vcpu_offset + nr_vcpus * sizeof(u16), 8);
	if (x->size < chunk_offset)
		return 1;
	for (gfn = gpa_to_gfn(gpa); gfn < gpa_to_gfn(gpa + x->size); gfn++)
		if (!kvm_is_visible_gfn(kvm, gfn))
			return 1;
	/* Userspace restores the other PV MSRs first; only guests are held to it. */
	if (!host && xpv_overlaps_pv_areas(kvm, gpa, x->size))
		return 1;
	if (kvm_gfn_to_hva_cache_init(kvm, &ghc, gpa, x->size))
		return 1;

	distance = kmalloc(nr_pnodes * nr_pnodes, GFP_KERNEL_ACCOUNT);
	vcpu_pnode = kvmalloc_array(nr_vcpus, sizeof(*vcpu_pnode),
				    GFP_KERNEL_ACCOUNT);
	if (!distance || !vcpu_pnode) {
		kfree(distance);
		kvfree(vcpu_pnode);
		return 1;
	}
	for (a = 0; a < nr_pnodes; a++)
		for (b = 0; b < nr_pnodes; b++)
			distance[a * nr_pnodes + b] =
				node_online(a) && node_online(b) ?
				min(node_distance(a, b), 255) : 0;
	memset(vcpu_pnode, 0xff, nr_vcpus * sizeof(u16));

	/*
	 * Carry the version on from what the area already holds: after
	 * live migration the guest may acknowledge a version this host
	 * never published, and a guest resumed from hibernation on a new
	 * VM registers again over the area its image holds; versions must
	 * not go backwards.  The area is the guest's memory, so take no
	 * version a VM cannot have counted to: one it forged next to
	 * U64_MAX would wrap.
	 */
	if (!kvm_read_guest_offset_cached(kvm, &ghc, &old, 0, sizeof(old)) &&
	    le32_to_cpu(old.magic) == KVM_XPV_MAGIC &&
	    le64_to_cpu(old.version) <= XPV_MAX_VERSION) {
		x->version = max(x->version, le64_to_cpu(old.version));
		x->seq = max(x->seq, le32_to_cpu(old.seq) & ~1U);
	}

	xpv_free(x);
	x->ghc = ghc;
	x->area = data;
	x->distance = distance;
	x->vcpu_pnode = vcpu_pnode;
	x->nr_pnodes = nr_pnodes;
	x->nr_vcpus = nr_vcpus;
	x->vcpu_offset = vcpu_offset;
	x->chunk_offset = chunk_offset;
	x->layout_size = x->size;
	x->notify_pending = false;
	if (kvm_xpv_mem_enable(vcpu) || kvm_xpv_publish_all(vcpu)) {
		xpv_disable(kvm);
		return 1;
	}
	/*
	 * The vCPU table was filled from each vCPU's last CPU: once the
	 * publish is complete, every vCPU checks its own entry, so none
	 * keeps a node from before the registration.
	 */
	WRITE_ONCE(x->enabled, true);
	if (!host)
		WRITE_ONCE(x->register_jiffies, jiffies);
	return 0;
}

/*
 * A registration publishes the whole area, work that grows with the
 * guest.  A guest that registers in a loop gets one registration per
 * XPV_REGISTER_INTERVAL_MS: its vCPU sleeps here, holding no lock, until
 * the interval since the last one has passed (or a signal comes: then
 * the registration goes ahead and the VMM handles the signal).
 */
static void xpv_register_wait(struct kvm_xpv *x)
{
	long interval = msecs_to_jiffies(XPV_REGISTER_INTERVAL_MS);
	long left = READ_ONCE(x->register_jiffies) + interval - jiffies;

	if (left > 0)
		schedule_timeout_interruptible(min(left, interval));
}

/*
 * Userspace restores MSRs in any order: an area restored before its size
 * or vector waits, and is taken once both are there.
 */
static int xpv_take_pending(struct kvm_vcpu *vcpu)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;
	u64 area = x->area_pending;

	if (!area || !x->size || !x->vector)
		return 0;
	x->area_pending = 0;
	return xpv_enable(vcpu, area, true);
}

int kvm_xpv_set_msr(struct kvm_vcpu *vcpu, u32 msr, u64 data, bool host)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;
	int r = 0;

	/* kvm.xpv=0: as if KVM had no such MSR (kvm.ignore_msrs applies) */
	if (!kvm_xpv_enabled)
		return KVM_MSR_RET_UNSUPPORTED;
	if (!host && !xpv_guest_has(vcpu))
		return 1;
	if (!host && msr == MSR_KVM_XPV_AREA && (data & KVM_XPV_AREA_ENABLE))
		xpv_register_wait(x);

	kvm_xpv_lock(vcpu->kvm);
	switch (msr) {
	case MSR_KVM_XPV_AREA:
		if (!(data & KVM_XPV_AREA_ENABLE)) {
			if (data)
				r = 1;
			else
				xpv_disable(vcpu->kvm);
		} else if (host && (!x->size || !x->vector)) {
			if (data & KVM_XPV_AREA_RESERVED)
				r = 1;
			else
				x->area_pending = data;
		} else if (x->enabled && x->publishing && data == x->area &&
			   x->size == x->layout_size) {
			/*
			 * The same area again while its whole publish waits
			 * for a dirty ring (a guest that found seq odd too
			 * long): that publish goes on, rather than start over.
			 */
		} else if (!(host && x->enabled && data == x->area &&
			     x->size == x->layout_size)) {
			/*
			 * A guest re-registering asks for a full republish;
			 * userspace restoring the same value does not.
			 */
			r = xpv_enable(vcpu, data, host);
		}
		break;
	case MSR_KVM_XPV_SIZE:
		/*
		 * A VMM may write 0 (its reset value): taken while no area
		 * is registered, ignored while one is.
		 */
		if (host && !data) {
			if (!x->enabled)
				x->size = 0;
		} else if (!data || data % KVM_XPV_AREA_ALIGN ||
			   data > XPV_MAX_PAGES * (u64)KVM_XPV_AREA_ALIGN) {
			r = 1;
		} else {
			x->size = data;
		}
		if (!r && host)
			r = xpv_take_pending(vcpu);
		break;
	case MSR_KVM_XPV_VECTOR:
		/* Likewise 0, which needs no local APIC. */
		if (data & ~KVM_XPV_VECTOR_MASK ||
		    (data < KVM_XPV_VECTOR_MIN && !(host && !data)) ||
		    (data && !lapic_in_kernel(vcpu)))
			r = 1;
		else if (data || !x->enabled)
			x->vector = data;
		else
			r = 1;	/* the registered area needs its vector */
		if (!r && host)
			r = xpv_take_pending(vcpu);
		break;
	case MSR_KVM_XPV_ACK:
		if (!x->enabled || data > x->version) {
			r = !host;
			break;
		}
		x->notify_pending = false;
		/* Changed since the guest's snapshot: tell it right away. */
		if (data < x->version)
			kvm_xpv_notify(vcpu);
		break;
	case MSR_KVM_XPV_LIMITS:
		r = !host;	/* read-only; userspace may restore it */
		break;
	default:
		r = 1;
	}
	kvm_xpv_unlock(vcpu->kvm);
	return r;
}

int kvm_xpv_get_msr(struct kvm_vcpu *vcpu, u32 msr, u64 *data, bool host)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;
	u64 nr_vcpus = min_t(u32, vcpu->kvm->arch.max_vcpu_ids, U16_MAX);

	/* kvm.xpv=0: as if KVM had no such MSR (kvm.ignore_msrs applies) */
	if (!kvm_xpv_enabled)
		return KVM_MSR_RET_UNSUPPORTED;
	if (!host && !xpv_guest_has(vcpu))
		return 1;

	switch (msr) {
	case MSR_KVM_XPV_AREA:
		*data = READ_ONCE(x->area_pending) ?: READ_ONCE(x->area);
		break;
	case MSR_KVM_XPV_SIZE:
		*data = READ_ONCE(x->size);
		break;
	case MSR_KVM_XPV_VECTOR:
		*data = READ_ONCE(x->vector);
		break;
	case MSR_KVM_XPV_ACK:
		*data = 0;
		break;
	case MSR_KVM_XPV_LIMITS:
		*data = XPV_CHUNK_SHIFT | (u64)kvm_xpv_nr_pnodes() << 8 |
			nr_vcpus << 16 | (u64)XPV_MAX_PAGES << 32;
		break;
	default:
		return 1;
	}
	return 0;
}

/* KVM_REQ_XPV_UPDATE: publish this vCPU's node if it changed. */
void kvm_xpv_vcpu_update(struct kvm_vcpu *vcpu)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;
	__le16 entry;
	u16 pnode;
	int cpu;

	/*
	 * Node and xpv_node in one go: a move after this raises a new
	 * request from kvm_arch_vcpu_load(), so the last placement always
	 * gets published.
	 */
	preempt_disable();
	cpu = vcpu->cpu;
	vcpu->arch.xpv_node = cpu_to_node(cpu);
	preempt_enable();
	pnode = xpv_cpu_pnode(cpu);
	entry = cpu_to_le16(pnode);

	kvm_xpv_lock(vcpu->kvm);
	/* A whole publish under way asks every vCPU again when complete. */
	if (!x->enabled || x->publishing || vcpu->vcpu_id >= x->nr_vcpus ||
	    x->vcpu_pnode[vcpu->vcpu_id] == entry)
		goto out;
	/* The vCPU exits to the VMM first, and comes back here. */
	if (kvm_xpv_ring_full(vcpu->kvm)) {
		kvm_make_request(KVM_REQ_XPV_UPDATE, vcpu);
		goto out;
	}
	/*
	 * On a failed write the entry stays stale here, and the vCPU
	 * forgets its node, so that its next load asks again.
	 */
	if (kvm_xpv_begin(vcpu->kvm) ||
	    kvm_xpv_write(vcpu->kvm,
			  x->vcpu_offset + vcpu->vcpu_id * sizeof(u16),
			  &entry, sizeof(entry)) ||
	    kvm_xpv_end(vcpu->kvm)) {
		vcpu->arch.xpv_node = NUMA_NO_NODE;
		goto out;
	}
	x->vcpu_pnode[vcpu->vcpu_id] = entry;
	vcpu->stat.xpv_pnode = pnode;
	trace_kvm_xpv_publish(vcpu->vcpu_id, pnode, x->version,
			      kvm_xpv_notify(vcpu));
out:
	kvm_xpv_unlock(vcpu->kvm);
}

/*
 * INIT or RESET of a vCPU.  Its APIC lost any pending notification, so
 * stop waiting for that one to be acknowledged.  A reset BSP means a
 * rebooting guest: stop writing into its memory.  (A VMM's system reset
 * does not come through here; the VMM clears MSR_KVM_XPV_AREA then.)
 */
void kvm_xpv_vcpu_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_xpv *x = &vcpu->kvm->arch.xpv;

	vcpu->arch.xpv_node = NUMA_NO_NODE;
	kvm_xpv_lock(vcpu->kvm);
	if (x->notify_pending && x->notify_vcpu_id == vcpu->vcpu_id)
		x->notify_pending = false;
	if (kvm_vcpu_is_reset_bsp(vcpu)) {
		xpv_disable(vcpu->kvm);
		x->size = 0;
		x->vector = 0;
	}
	/* The stat shows the area's entry, which an INIT leaves alone. */
	if (x->enabled && vcpu->vcpu_id < x->nr_vcpus)
		vcpu->stat.xpv_pnode = le16_to_cpu(x->vcpu_pnode[vcpu->vcpu_id]);
	else
		vcpu->stat.xpv_pnode = KVM_XPV_PNODE_UNKNOWN;
	kvm_xpv_unlock(vcpu->kvm);
}
