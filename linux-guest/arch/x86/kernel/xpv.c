// SPDX-License-Identifier: GPL-2.0
/*
 * XPV guest: take the live host NUMA topology from a KVM host.
 *
 * A KVM host with KVM_FEATURE_XPV keeps a topology area in guest memory
 * current: which host NUMA node ("pnode") each vCPU runs on and backs each
 * chunk of guest memory, and the distances between pnodes (see
 * Documentation/virt/kvm/x86/msr.rst and <asm/kvm_xpv.h>).  It interrupts
 * the guest on XPV_TOPOLOGY_VECTOR when that changes.
 *
 * The interrupt only schedules work.  The work copies the area between two
 * equal, even reads of its sequence counter, validates the copy (the host
 * is not trusted: a malformed area is logged and the last good snapshot
 * stays), and publishes it: an RCU-protected snapshot for the kernel, a
 * per-CPU pnode, the vDSO page, sysfs (/sys/devices/system/xpv) and a
 * tracepoint.  Then it acknowledges the host version it consumed, which
 * lets the host send the next notification.
 *
 * A malformed area is not acknowledged: the guest did not take it, and
 * an acknowledgment older than the host's version would be notified
 * again at once, for as long as the area stays bad.  The host's later
 * updates rewrite only what changed, so a header or table that went bad
 * (a stray write into the area, a host bug) would stay bad: the guest
 * registers again, which makes the host publish the whole area, after
 * XPV_REPUBLISH_MIN_MS and at doubling intervals while it stays bad.
 * What a registration publishes is taken whatever its version, so a
 * version that went wrong cannot wedge the guest either.
 *
 * A notification can be lost: the host may send it to a vCPU that has
 * interrupts off for good (an offline CPU parked in play_dead()), or its
 * APIC may refuse it.  The host then waits for an acknowledgment that
 * never comes.  A poll of the header's version once every XPV_POLL_MS
 * bounds how long such a change goes unseen (two intervals).  The poll
 * is not deferrable: a deferrable timer waits for its CPU to be busy,
 * and the CPU it sits on may stay idle while the guest's work runs on
 * the others, so the change would go unseen for as long as that lasts.
 * It costs one wakeup a second for the whole guest.
 */

#define pr_fmt(fmt) "xpv: " fmt

#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched/numa_balancing.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <linux/sysfs.h>
#include <linux/topology.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <linux/xpv.h>

#include <asm/apic.h>
#include <asm/idtentry.h>
#include <asm/irq_regs.h>
#include <asm/kvm_xpv.h>
#include <asm/xpv.h>

#define CREATE_TRACE_POINTS
#include <trace/events/xpv.h>

#include "xpv_area.h"

/* Copies of the area tried before the work gives the host a moment. */
#define XPV_SEQ_TRIES		16
/* Retry of a busy or unreadable area: 10 ms, doubling up to 1 s. */
#define XPV_RETRY_MIN_MS	10
#define XPV_RETRY_MAX_MS	1000
/* The safety net for lost notifications. */
#define XPV_POLL_MS		1000
/* Registering again over a malformed area: after 1 s, doubling up to 1 min. */
#define XPV_REPUBLISH_MIN_MS	1000
#define XPV_REPUBLISH_MAX_MS	60000

union xpv_vdso_page xpv_vdso_page __page_aligned_bss;

static struct xpv_snapshot __rcu *xpv_snap;
/* Read directly by the page allocator's counters (mm/page_alloc.c) */
DEFINE_PER_CPU_READ_MOSTLY(int, xpv_pnode) = NUMA_NO_NODE;

static bool xpv_off;
static bool xpv_vector_ready;

/* Registration and the work's state, under xpv_lock. */
static DEFINE_MUTEX(xpv_lock);
static struct kvm_xpv_header *xpv_area;
static u8 *xpv_copy;
static u32 xpv_size;
/* Read locklessly by the crash and shutdown paths. */
static bool xpv_registered;
static bool xpv_sysfs_ready;
static unsigned int xpv_devices;	/* pnodeN devices created */
static unsigned int xpv_retry_ms;
/* The last host version a refresh looked at, taken or not (for the poll). */
static u64 xpv_host_seen;
/* Changes the poll found before any notification did. */
static atomic_long_t xpv_poll_found;
/*
 * xpv_work is queued and has not looked at the area yet: a notification
 * came, or the poll queued it.  Cleared by xpv_work under xpv_lock.
 */
static bool xpv_notified;
/* Registered since the last area taken: its version need not be newer. */
static bool xpv_fresh;
static unsigned int xpv_republish_ms;
/* Registrations made to have a malformed area published again. */
static atomic_long_t xpv_republish_asked;

static void xpv_work_fn(struct work_struct *work);
static DECLARE_WORK(xpv_work, xpv_work_fn);
static void xpv_retry_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(xpv_retry_work, xpv_retry_fn);
static void xpv_poll_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(xpv_poll_work, xpv_poll_fn);
static void xpv_republish_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(xpv_republish_work, xpv_republish_fn);
static void xpv_inactive_fn(struct work_struct *work);
static DECLARE_WORK(xpv_inactive_work, xpv_inactive_fn);

static int __init xpv_parse_cmdline(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "off"))
		xpv_off = true;
	else if (strcmp(arg, "on"))
		return -EINVAL;
	return 0;
}
early_param("xpv", xpv_parse_cmdline);

/* Lock-free readers (<linux/xpv.h>) */

bool xpv_active(void)
{
	return !!rcu_access_pointer(xpv_snap);
}

bool xpv_possible(void)
{
	return xpv_vector_ready && !cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT);
}

u64 xpv_topology_version(void)
{
	return READ_ONCE(xpv_vdso_page.data.version);
}

unsigned int xpv_nr_pnodes(void)
{
	struct xpv_snapshot *s;
	unsigned int n;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	n = s ? s->nr_pnodes : 0;
	rcu_read_unlock();
	return n;
}

int xpv_cpu_pnode(int cpu)
{
	if (cpu < 0 || cpu >= nr_cpu_ids)
		return NUMA_NO_NODE;
	return READ_ONCE(per_cpu(xpv_pnode, cpu));
}

int xpv_pfn_to_pnode(unsigned long pfn)
{
	struct xpv_snapshot *s;
	unsigned long chunk;
	int pnode = NUMA_NO_NODE;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s) {
		chunk = pfn >> (s->chunk_shift - PAGE_SHIFT);
		if (chunk < s->nr_chunks &&
		    s->chunk_pnode[chunk] != KVM_XPV_PNODE_UNKNOWN)
			pnode = s->chunk_pnode[chunk];
	}
	rcu_read_unlock();
	return pnode;
}

int xpv_pfn_range_layout(unsigned long pfn, unsigned long nr, int *order)
{
	unsigned long chunk, last;
	struct xpv_snapshot *s;
	int pnode = NUMA_NO_NODE, p;

	*order = -1;
	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s)
		*order = s->chunk_shift - PAGE_SHIFT;
	if (s && nr) {
		chunk = pfn >> (s->chunk_shift - PAGE_SHIFT);
		last = (pfn + nr - 1) >> (s->chunk_shift - PAGE_SHIFT);
		for (; chunk <= last; chunk++) {
			p = chunk < s->nr_chunks ? s->chunk_pnode[chunk] :
						   KVM_XPV_PNODE_UNKNOWN;
			if (p == KVM_XPV_PNODE_UNKNOWN)
				p = NUMA_NO_NODE;
			if (chunk > pfn >> (s->chunk_shift - PAGE_SHIFT) &&
			    p != pnode) {
				pnode = XPV_PNODE_MIXED;
				break;
			}
			pnode = p;
		}
	}
	rcu_read_unlock();
	return pnode;
}

int xpv_pfn_range_pnode(unsigned long pfn, unsigned long nr)
{
	int order;

	return xpv_pfn_range_layout(pfn, nr, &order);
}

int xpv_chunk_order(void)
{
	struct xpv_snapshot *s;
	int order = -1;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s)
		order = s->chunk_shift - PAGE_SHIFT;
	rcu_read_unlock();
	return order;
}

int xpv_pnode_distance(int from, int to)
{
	struct xpv_snapshot *s;
	int d = 0;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s && from >= 0 && to >= 0 && from < s->nr_pnodes &&
	    to < s->nr_pnodes)
		d = s->distance[from * s->nr_pnodes + to];
	rcu_read_unlock();
	return d;
}

bool xpv_pnode_online(int pnode)
{
	return xpv_pnode_distance(pnode, pnode) != 0;
}

unsigned int xpv_pnode_ids(void)
{
	return KVM_XPV_MAX_PNODES;
}

static const struct cpumask *xpv_pnode_cpus(const struct xpv_snapshot *s,
					    unsigned int pnode);

const struct cpumask *xpv_pnode_cpumask(int pnode)
{
	struct xpv_snapshot *s = rcu_dereference_check(xpv_snap,
						       rcu_read_lock_any_held());

	if (!s || pnode < 0 || pnode >= s->nr_pnodes)
		return cpu_none_mask;
	return xpv_pnode_cpus(s, pnode);
}

/* Notification */

DEFINE_IDTENTRY_SYSVEC(sysvec_xpv_topology)
{
	apic_eoi();
	count_vm_event(XPV_INTERRUPTS);
	WRITE_ONCE(xpv_notified, true);
	schedule_work(&xpv_work);
}

void __init xpv_guest_init_early(void)
{
	if (xpv_off || !kvm_para_has_feature(KVM_FEATURE_XPV))
		return;
	sysvec_install(XPV_TOPOLOGY_VECTOR, sysvec_xpv_topology);
	xpv_vector_ready = true;
}

/* Copying and validating the area */

/*
 * Copy the area into xpv_copy between two reads of the host's sequence
 * counter that are equal and even.  Returns the number of bytes copied,
 * 0 if the host kept writing.
 */
static u32 xpv_copy_area(void)
{
	struct kvm_xpv_header *h = (struct kvm_xpv_header *)xpv_copy;
	u32 seq, len;
	int i;

	for (i = 0; i < XPV_SEQ_TRIES; i++) {
		if (i)
			count_vm_event(XPV_SEQ_RETRIES);
		seq = le32_to_cpu(READ_ONCE(xpv_area->seq));
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		/*
		 * Read the area after the even seq: pairs with the host's
		 * smp_wmb() between making seq odd and writing the area.
		 */
		virt_rmb();
		memcpy(xpv_copy, xpv_area, sizeof(*h));
		len = le32_to_cpu(h->area_size);
		len = clamp_t(u32, len, sizeof(*h), xpv_size);
		memcpy(xpv_copy + sizeof(*h), (u8 *)xpv_area + sizeof(*h),
		       len - sizeof(*h));
		/*
		 * Re-read seq after the copy: pairs with the host's
		 * smp_wmb() between writing the area and making seq even.
		 */
		virt_rmb();
		if (le32_to_cpu(READ_ONCE(xpv_area->seq)) == seq)
			return len;
	}
	return 0;
}

/* Building and publishing a snapshot */

static const struct cpumask *xpv_pnode_cpus(const struct xpv_snapshot *s,
					    unsigned int pnode)
{
	return to_cpumask(s->cpumasks + pnode * BITS_TO_LONGS(nr_cpu_ids));
}

static void xpv_update_vdso(const struct xpv_snapshot *s)
{
	struct xpv_vdso_data *v = &xpv_vdso_page.data;
	unsigned int cpu, n = min_t(unsigned int, nr_cpu_ids, XPV_VDSO_MAX_CPUS);

	/* Readers retry while seq is odd: do not get preempted meanwhile. */
	preempt_disable();
	WRITE_ONCE(v->seq, v->seq + 1);
	/* Odd seq before the data: the vDSO retries while it is odd. */
	smp_wmb();
	if (s) {
		for (cpu = 0; cpu < n; cpu++)
			WRITE_ONCE(v->pnode[cpu], cpu_possible(cpu) ?
				   s->cpu_pnode[cpu] : KVM_XPV_PNODE_UNKNOWN);
		WRITE_ONCE(v->version, s->version);
	} else {
		/* A view that goes is news; none shown, none goes. */
		if (v->nr_cpus)
			WRITE_ONCE(v->version, v->version + 1);
		n = 0;
	}
	WRITE_ONCE(v->nr_cpus, n);
	/* The data before the even seq that tells the vDSO it is stable. */
	smp_wmb();
	WRITE_ONCE(v->seq, v->seq + 1);
	preempt_enable();
}

static void xpv_sysfs_update(const struct xpv_snapshot *s);
static void xpv_sysfs_notify(void);

static void xpv_report(const struct xpv_snapshot *s)
{
	cpumask_var_t unknown;
	unsigned int i, j, cpu;
	char buf[128];
	int len;

	pr_info("%u pnodes, host topology version %llu, %lu chunks of %lu KiB\n",
		s->nr_pnodes, s->host_version, s->nr_chunks,
		1UL << (s->chunk_shift - 10));
	for (i = 0; i < s->nr_pnodes; i++) {
		len = 0;
		for (j = 0; j < s->nr_pnodes && len < sizeof(buf) - 5; j++)
			len += scnprintf(buf + len, sizeof(buf) - len, " %u",
					 s->distance[i * s->nr_pnodes + j]);
		pr_info("pnode %u: distances%s; cpus %*pbl; %llu MiB\n", i, buf,
			cpumask_pr_args(xpv_pnode_cpus(s, i)),
			s->pnode_bytes[i] >> 20);
	}
	if (zalloc_cpumask_var(&unknown, GFP_KERNEL)) {
		for_each_possible_cpu(cpu)
			if (s->cpu_pnode[cpu] == KVM_XPV_PNODE_UNKNOWN)
				cpumask_set_cpu(cpu, unknown);
		if (!cpumask_empty(unknown))
			pr_info("cpus %*pbl: pnode unknown\n",
				cpumask_pr_args(unknown));
		free_cpumask_var(unknown);
	}
	if (s->unknown_bytes)
		pr_info("%llu MiB of RAM on unknown pnodes\n",
			s->unknown_bytes >> 20);
}

/*
 * Under xpv_lock: the area is malformed; have the host publish all of it
 * again by registering it again, unless that is already on its way.
 */
static void xpv_ask_republish(void)
{
	if (delayed_work_pending(&xpv_republish_work))
		return;
	xpv_republish_ms = clamp(xpv_republish_ms * 2, XPV_REPUBLISH_MIN_MS,
				 XPV_REPUBLISH_MAX_MS);
	schedule_delayed_work(&xpv_republish_work,
			      msecs_to_jiffies(xpv_republish_ms));
}

/* The pnodes of @s the host can place this guest on (ids have holes). */
static unsigned int xpv_online_pnodes(const struct xpv_snapshot *s)
{
	unsigned int p, n = 0;

	for (p = 0; p < s->nr_pnodes; p++)
		n += s->distance[p * s->nr_pnodes + p] != 0;
	return n;
}

/* The pnode entry of chunk @c in @s: unknown past the end of its table. */
static u16 xpv_snap_chunk(const struct xpv_snapshot *s, unsigned long c)
{
	return c < s->nr_chunks ? s->chunk_pnode[c] : KVM_XPV_PNODE_UNKNOWN;
}

/*
 * Take the host's current topology.  Returns false when it has to be
 * tried again later (the host kept writing, or no memory).
 */
static bool xpv_refresh(void)
{
	struct xpv_snapshot *old, *s;
	const struct kvm_xpv_header *h = (void *)xpv_copy;
	unsigned int cpu, cpus_changed = 0;
	unsigned long chunk, chunks_changed = 0;
	const char *why;
	bool back;
	u32 len;

	lockdep_assert_held(&xpv_lock);
	if (!READ_ONCE(xpv_registered))
		return true;
	old = rcu_dereference_protected(xpv_snap, lockdep_is_held(&xpv_lock));

	len = xpv_copy_area();
	if (!len)
		return false;

	WRITE_ONCE(xpv_host_seen, le64_to_cpu(h->version));
	why = xpv_area_check(xpv_copy, len, old, xpv_fresh);
	if (why) {
		count_vm_event(XPV_MALFORMED);
		pr_warn_ratelimited("malformed topology area (%s), keeping host version %llu\n",
				    why, old ? old->host_version : 0);
		xpv_ask_republish();
		return true;	/* not taken: not acknowledged */
	}
	xpv_fresh = false;
	xpv_republish_ms = 0;
	if (old && le64_to_cpu(h->version) == old->host_version)
		goto ack;	/* nothing new, e.g. the registration's notification */

	s = xpv_area_build(xpv_copy, old);
	if (!s)
		return false;
	/*
	 * Never a version the vDSO has shown: after a spell without a view
	 * (xpv_inactive_fn()), or a resume that dropped it while this ran.
	 */
	back = !old && xpv_topology_version();
	s->version = max(s->version, xpv_topology_version() + 1);

	for_each_possible_cpu(cpu) {
		if (!old || old->cpu_pnode[cpu] != s->cpu_pnode[cpu])
			cpus_changed++;
		WRITE_ONCE(per_cpu(xpv_pnode, cpu),
			   s->cpu_pnode[cpu] == KVM_XPV_PNODE_UNKNOWN ?
			   NUMA_NO_NODE : s->cpu_pnode[cpu]);
	}
	/* A chunk past the end of a table has no pnode. */
	for (chunk = 0; chunk < max(s->nr_chunks, old ? old->nr_chunks : 0);
	     chunk++)
		if (!old || old->chunk_shift != s->chunk_shift ||
		    xpv_snap_chunk(old, chunk) != xpv_snap_chunk(s, chunk))
			chunks_changed++;

	rcu_assign_pointer(xpv_snap, s);
	xpv_update_vdso(s);
	count_vm_event(XPV_UPDATES);
	if (chunks_changed)
		count_vm_event(XPV_CHUNK_UPDATES);
	trace_xpv_topology_update(s->version, s->host_version, s->nr_pnodes,
				  cpus_changed, chunks_changed);
	if (!old)
		xpv_report(s);
	xpv_sysfs_update(s);
	if (old)
		kvfree_rcu(old, rcu);
	xpv_mm_topology_changed(chunks_changed);
	numab_pnodes_changed(xpv_online_pnodes(s));
	/* back from a spell without a view: the tasks' placement is old */
	if ((old || back) && (cpus_changed || chunks_changed))
		numab_topology_changed();
ack:
	/* The copy's version is one the host published, never a future one. */
	if (wrmsrl_safe(MSR_KVM_XPV_ACK, le64_to_cpu(h->version)))
		pr_warn_ratelimited("host refused the acknowledgment of version %llu\n",
				    le64_to_cpu(h->version));
	return true;
}

/*
 * A refresh that could not finish is retried with backoff: a host that
 * leaves seq odd (or a guest out of memory) costs a wakeup a second, not
 * a hundred.
 */
static void xpv_work_fn(struct work_struct *work)
{
	bool done;

	mutex_lock(&xpv_lock);
	/*
	 * A notification from here on queues this work again.  The retry
	 * (work == NULL) leaves the note of an xpv_work still queued.
	 */
	if (work)
		/* the note is clear before the area is read */
		smp_store_mb(xpv_notified, false);
	done = xpv_refresh();
	if (done) {
		xpv_retry_ms = 0;
	} else {
		xpv_retry_ms = clamp(xpv_retry_ms * 2, XPV_RETRY_MIN_MS,
				     XPV_RETRY_MAX_MS);
		if (xpv_retry_ms == XPV_RETRY_MAX_MS) {
			pr_warn_once("the host keeps the topology area busy; retrying every %u ms\n",
				     XPV_RETRY_MAX_MS);
			/* a sequence count left odd is rewritten by a publish */
			xpv_ask_republish();
		}
		schedule_delayed_work(&xpv_retry_work,
				      msecs_to_jiffies(xpv_retry_ms));
	}
	mutex_unlock(&xpv_lock);
}

static void xpv_retry_fn(struct work_struct *work)
{
	xpv_work_fn(NULL);
}

/*
 * Take a change whose notification was lost (see the top of this file):
 * the host is ahead of the last version looked at, and was already ahead
 * of that same version one poll ago.  A notification in flight gets its
 * work done well within a poll interval, so it is not counted as lost;
 * nor is one that came but whose work is late (a busy or slow guest, its
 * workqueue held up for a second): that work is on its way.  The check
 * runs under xpv_lock, which the work holds from clearing its note to
 * taking the version, so it sees either the note or the version taken.
 * A refresh the work has to retry (the host kept writing the area) can
 * still be counted.
 */
static void xpv_poll_fn(struct work_struct *work)
{
	static u64 behind_since = U64_MAX;
	u64 host, seen;

	mutex_lock(&xpv_lock);
	/* Unregistered across suspend: the poll carries on after resume. */
	if (READ_ONCE(xpv_registered)) {
		host = le64_to_cpu(READ_ONCE(xpv_area->version));
		seen = READ_ONCE(xpv_host_seen);
		if (host == seen) {
			behind_since = U64_MAX;
		} else if (behind_since != seen) {
			behind_since = seen;
		} else {
			behind_since = U64_MAX;
			if (!READ_ONCE(xpv_notified))
				atomic_long_inc(&xpv_poll_found);
			/* late too, it is counted once */
			WRITE_ONCE(xpv_notified, true);
			schedule_work(&xpv_work);
		}
	}
	mutex_unlock(&xpv_lock);
	schedule_delayed_work(&xpv_poll_work, msecs_to_jiffies(XPV_POLL_MS));
}

/* Registration */

static int xpv_register(void)
{
	if (wrmsrl_safe(MSR_KVM_XPV_VECTOR, XPV_TOPOLOGY_VECTOR) ||
	    wrmsrl_safe(MSR_KVM_XPV_SIZE, xpv_size) ||
	    wrmsrl_safe(MSR_KVM_XPV_AREA, __pa(xpv_area) | KVM_XPV_AREA_ENABLE))
		return -EIO;
	xpv_fresh = true;
	WRITE_ONCE(xpv_registered, true);
	return 0;
}

/* A malformed area stayed malformed: register again (see the top). */
static void xpv_republish_fn(struct work_struct *work)
{
	mutex_lock(&xpv_lock);
	if (READ_ONCE(xpv_registered)) {
		atomic_long_inc(&xpv_republish_asked);
		pr_warn_ratelimited("registering the topology area again, for the host to publish all of it\n");
		if (xpv_register())
			pr_warn_ratelimited("the host refused the registration\n");
	}
	mutex_unlock(&xpv_lock);
}

static void xpv_unregister(void)
{
	if (READ_ONCE(xpv_registered) && !wrmsrl_safe(MSR_KVM_XPV_AREA, 0))
		WRITE_ONCE(xpv_registered, false);
}

/*
 * Kexec and reboot: the host must stop writing the area before another
 * kernel owns this memory.  Also called from the crash path, where
 * sleeping locks cannot be taken.
 */
void xpv_guest_shutdown(void)
{
	xpv_unregister();
}

static int xpv_suspend(void *data)
{
	xpv_unregister();
	return 0;
}

/*
 * The host took no registration at resume: a hibernation image resumed in
 * a VM without XPV, say.  Nothing will keep the view current, so drop
 * it.  CPUs have no pnode, balancing turns off (unless the user chose),
 * pnode policies and move_pages(MPOL_MF_PNODES) are refused, the
 * topology's files at the sysfs root fail with ENODATA, and the pnodeN
 * directories show no CPUs and no memory.  The allocator keeps its lists,
 * and serves allocations from any.  The next resume registers again, and
 * the versions go on.
 */
static void xpv_inactive_fn(struct work_struct *work)
{
	struct xpv_snapshot *old;
	unsigned int cpu;

	mutex_lock(&xpv_lock);
	old = rcu_dereference_protected(xpv_snap, lockdep_is_held(&xpv_lock));
	if (!READ_ONCE(xpv_registered) && old) {
		for_each_possible_cpu(cpu)
			WRITE_ONCE(per_cpu(xpv_pnode, cpu), NUMA_NO_NODE);
		RCU_INIT_POINTER(xpv_snap, NULL);
		/* again: a refresh that was under way may have shown its view */
		xpv_update_vdso(NULL);
		xpv_sysfs_notify();
		kvfree_rcu(old, rcu);
		numab_pnodes_changed(0);
		pr_warn("inactive: the host took no registration at resume, no pnodes until one does\n");
	}
	mutex_unlock(&xpv_lock);
}

static void xpv_resume(void *data)
{
	/* The host may have changed; the registration notifies us. */
	if (xpv_area && !READ_ONCE(xpv_registered) && xpv_register()) {
		pr_warn("cannot register the topology area again after resume\n");
		/* Runtimes see it at once; the rest can sleep. */
		xpv_update_vdso(NULL);
		schedule_work(&xpv_inactive_work);
	}
}

static void xpv_syscore_shutdown(void *data)
{
	xpv_unregister();
}

static const struct syscore_ops xpv_syscore_ops = {
	.suspend = xpv_suspend,
	.resume = xpv_resume,
	.shutdown = xpv_syscore_shutdown,
};

static struct syscore xpv_syscore = {
	.ops = &xpv_syscore_ops,
};

/* Bytes for the header, distances, vCPU table and @nr_chunks chunks. */
static u64 xpv_layout_size(unsigned int np, unsigned int nv, u64 nr_chunks)
{
	u64 size = ALIGN(sizeof(struct kvm_xpv_header) + np * np, 8);

	size = ALIGN(size + nv * sizeof(u16), 8);
	return size + nr_chunks * sizeof(u16);
}

static int __init xpv_setup_area(void)
{
	unsigned int shift, np, nv;
	u64 limits, size, chunks, max_size;

	if (rdmsrl_safe(MSR_KVM_XPV_LIMITS, &limits)) {
		pr_warn("host advertises XPV but its limits MSR faults\n");
		return -EIO;
	}
	shift = KVM_XPV_LIMITS_CHUNK_SHIFT(limits);
	np = KVM_XPV_LIMITS_NR_PNODES(limits);
	nv = KVM_XPV_LIMITS_NR_VCPUS(limits);
	if (!np || np > KVM_XPV_MAX_PNODES || !nv) {
		pr_warn("host limits %#llx make no sense, not using XPV\n",
			limits);
		return -EINVAL;
	}
	if (!xpv_chunk_shift_ok(shift)) {
		pr_warn("host chunks of 2^%u bytes: this kernel takes 2^%d to 2^%d, not using XPV\n",
			shift, XPV_MIN_CHUNK_SHIFT, XPV_MAX_CHUNK_SHIFT);
		return -EINVAL;
	}

	/* Every chunk up to the highest RAM page, all vCPU ids. */
	chunks = DIV_ROUND_UP((u64)max_pfn << PAGE_SHIFT, 1ULL << shift);
	size = PAGE_ALIGN(xpv_layout_size(np, nv, chunks));
	max_size = min_t(u64, (u64)KVM_XPV_LIMITS_MAX_PAGES(limits) << PAGE_SHIFT,
			 PAGE_SIZE << MAX_PAGE_ORDER);
	if (size > max_size) {
		pr_warn("area of %llu KiB capped at %llu KiB: memory above it has no pnode\n",
			size >> 10, max_size >> 10);
		size = max_size;
	}
	if (size < xpv_layout_size(np, nv, 0)) {
		pr_warn("area too small for %u pnodes and %u vCPU ids\n", np, nv);
		return -EINVAL;
	}

	xpv_area = alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO);
	xpv_copy = kvmalloc(size, GFP_KERNEL);
	if (!xpv_area || !xpv_copy) {
		if (xpv_area)
			free_pages_exact(xpv_area, size);
		kvfree(xpv_copy);
		xpv_area = NULL;
		xpv_copy = NULL;
		return -ENOMEM;
	}
	xpv_size = size;
	return 0;
}

static void xpv_free_area(void)
{
	free_pages_exact(xpv_area, xpv_size);
	kvfree(xpv_copy);
	xpv_area = NULL;
	xpv_copy = NULL;
	xpv_size = 0;
}

static void xpv_sysfs_init(void);

static int __init xpv_guest_init(void)
{
	int r;

	if (!xpv_vector_ready) {
		if (xpv_off && kvm_para_has_feature(KVM_FEATURE_XPV))
			pr_info("disabled on the command line (xpv=off)\n");
		return 0;
	}
	/* The host cannot write an encrypted guest's memory usefully. */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_info("not used with encrypted guest memory\n");
		return 0;
	}

	mutex_lock(&xpv_lock);
	r = xpv_setup_area();
	if (r)
		goto out;
	r = xpv_register();
	if (r) {
		pr_warn("the host refused the topology area (%u bytes)\n",
			xpv_size);
		xpv_free_area();
		goto out;
	}
	xpv_sysfs_init();
	/* Before user space: the fault statistics are sized by it. */
	numab_use_pnodes();
	/* The registration's notification may already be queued: harmless. */
	if (!xpv_refresh()) {
		xpv_retry_ms = XPV_RETRY_MIN_MS;
		schedule_delayed_work(&xpv_retry_work,
				      msecs_to_jiffies(xpv_retry_ms));
	}
out:
	mutex_unlock(&xpv_lock);
	if (r)
		return r;

	register_syscore(&xpv_syscore);
	schedule_delayed_work(&xpv_poll_work, msecs_to_jiffies(XPV_POLL_MS));
	pr_info("topology area of %u KiB registered, vector %#x\n",
		xpv_size >> 10, XPV_TOPOLOGY_VECTOR);
	return 0;
}
subsys_initcall(xpv_guest_init);

/* sysfs: /sys/devices/system/xpv */

static const struct bus_type xpv_subsys = {
	.name = "xpv",
	.dev_name = "pnode",
};

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%llu\n", xpv_topology_version());
}
static DEVICE_ATTR_RO(version);

#define XPV_SNAP_ATTR(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct xpv_snapshot *s;						\
	ssize_t len = -ENODATA;						\
									\
	rcu_read_lock();						\
	s = rcu_dereference(xpv_snap);					\
	if (s)								\
		len = sysfs_emit(buf, _fmt, _expr);			\
	rcu_read_unlock();						\
	return len;							\
}									\
static DEVICE_ATTR_RO(_name)

XPV_SNAP_ATTR(host_version, "%llu\n", s->host_version);
XPV_SNAP_ATTR(nr_pnodes, "%u\n", s->nr_pnodes);
XPV_SNAP_ATTR(chunk_size, "%lu\n", 1UL << s->chunk_shift);
XPV_SNAP_ATTR(nr_chunks, "%lu\n", s->nr_chunks);
XPV_SNAP_ATTR(unknown_bytes, "%llu\n", s->unknown_bytes);

static ssize_t lost_notifications_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&xpv_poll_found));
}
static DEVICE_ATTR_RO(lost_notifications);

static ssize_t republish_requests_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&xpv_republish_asked));
}
static DEVICE_ATTR_RO(republish_requests);

static struct attribute *xpv_root_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_host_version.attr,
	&dev_attr_nr_pnodes.attr,
	&dev_attr_chunk_size.attr,
	&dev_attr_nr_chunks.attr,
	&dev_attr_unknown_bytes.attr,
	&dev_attr_lost_notifications.attr,
	&dev_attr_republish_requests.attr,
	NULL
};
ATTRIBUTE_GROUPS(xpv_root);

static ssize_t cpulist_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct xpv_snapshot *s;
	ssize_t len;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s && dev->id < s->nr_pnodes)
		len = cpumap_print_to_pagebuf(true, buf,
					      xpv_pnode_cpus(s, dev->id));
	else
		len = sysfs_emit(buf, "\n");
	rcu_read_unlock();
	return len;
}
static DEVICE_ATTR_RO(cpulist);

static ssize_t meminfo_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct xpv_snapshot *s;
	u64 total = 0, free;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s && dev->id < s->nr_pnodes)
		total = s->pnode_bytes[dev->id] >> 10;
	rcu_read_unlock();
	/* Free is the allocator's, total the host's: they can cross briefly. */
	free = (u64)xpv_mm_pnode_free_pages(dev->id) << (PAGE_SHIFT - 10);
	return sysfs_emit(buf,
			  "Pnode %u MemTotal:       %8llu kB\n"
			  "Pnode %u MemFree:        %8llu kB\n"
			  "Pnode %u MemUsed:        %8llu kB\n",
			  dev->id, total, dev->id, free, dev->id,
			  total > free ? total - free : 0);
}
static DEVICE_ATTR_RO(meminfo);

/* Like nodeN/distance: pnode N's distance to pnode 0, 1, ... */
static ssize_t distance_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct xpv_snapshot *s;
	ssize_t len = 0;
	unsigned int j;

	rcu_read_lock();
	s = rcu_dereference(xpv_snap);
	if (s && dev->id < s->nr_pnodes) {
		for (j = 0; j < s->nr_pnodes; j++)
			len += sysfs_emit_at(buf, len, "%s%u", j ? " " : "",
					     s->distance[dev->id * s->nr_pnodes + j]);
	}
	len += sysfs_emit_at(buf, len, "\n");
	rcu_read_unlock();
	return len;
}
static DEVICE_ATTR_RO(distance);

/* Like nodeN/numastat, for the allocations counted on pnode N */
static ssize_t numastat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	unsigned long ev[NR_XPV_NUMA_STAT_ITEMS];

	xpv_mm_pnode_numa_stats(dev->id, ev);
	return sysfs_emit(buf,
			  "numa_hit %lu\n"
			  "numa_miss %lu\n"
			  "numa_foreign %lu\n"
			  "interleave_hit %lu\n"
			  "local_node %lu\n"
			  "other_node %lu\n",
			  ev[XPV_NUMA_HIT], ev[XPV_NUMA_MISS],
			  ev[XPV_NUMA_FOREIGN], ev[XPV_NUMA_INTERLEAVE_HIT],
			  ev[XPV_NUMA_LOCAL], ev[XPV_NUMA_OTHER]);
}
static DEVICE_ATTR_RO(numastat);

static struct attribute *xpv_pnode_attrs[] = {
	&dev_attr_cpulist.attr,
	&dev_attr_meminfo.attr,
	&dev_attr_distance.attr,
	&dev_attr_numastat.attr,
	NULL
};
ATTRIBUTE_GROUPS(xpv_pnode);

static void xpv_pnode_release(struct device *dev)
{
	kfree(dev);
}

/* Without sysfs the kernel and the vDSO still get the topology. */
static void xpv_sysfs_init(void)
{
	int r = subsys_system_register(&xpv_subsys, xpv_root_groups);

	if (r)
		pr_warn("cannot create /sys/devices/system/xpv: %d\n", r);
	else
		xpv_sysfs_ready = true;
}

/* Wake the pollers of version. */
static void xpv_sysfs_notify(void)
{
	struct device *root;

	if (!xpv_sysfs_ready)
		return;
	root = bus_get_dev_root(&xpv_subsys);
	if (root) {
		sysfs_notify(&root->kobj, NULL, "version");
		put_device(root);
	}
}

/* Under xpv_lock: pnodeN for each pnode, then wake version's pollers. */
static void xpv_sysfs_update(const struct xpv_snapshot *s)
{
	struct device *dev;

	if (!xpv_sysfs_ready)
		return;
	while (xpv_devices < s->nr_pnodes) {
		dev = kzalloc(sizeof(*dev), GFP_KERNEL);
		if (!dev)
			break;
		dev->id = xpv_devices;
		dev->bus = &xpv_subsys;
		dev->groups = xpv_pnode_groups;
		dev->release = xpv_pnode_release;
		if (device_register(dev)) {
			put_device(dev);
			pr_warn("cannot create sysfs pnode%u\n", xpv_devices);
			break;
		}
		xpv_devices++;
	}
	xpv_sysfs_notify();
}
