// SPDX-License-Identifier: GPL-2.0-only
/*
 * XPV: KVM publishes the host NUMA node of each vCPU in the guest's
 * topology area and notifies the guest when it changes.
 *
 * The vCPU runs on the test's main thread, so pinning that thread to a
 * CPU of another host node is a real vCPU migration between nodes.
 * Needs a host with at least two NUMA nodes that have CPUs.
 */
#include <asm/kvm_para.h>
#include <asm/kvm_xpv.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "xpv_util.h"

#define XPV_VECTOR	0xf0
#define XPV_GPA		0xc0000000ULL
#define XPV_SLOT	10
#define XPV_PAGES	16
#define XPV_SIZE	(XPV_PAGES * 4096ULL)
#define MIGRATIONS	1000
#define UNMASK_EVERY	100	/* guest takes interrupts every N migrations */
#define MAX_READ_TRIES	1000
#define CANARY		0xa5
#define REGISTRATIONS	10
#define RFLAGS_IF	BIT(9)
#define APIC_ISR	0x100	/* apic.h has only the IRR */

/* Guest state, read by the host with sync_global_from_guest(). */
static uint64_t irq_count;
static uint64_t acked_version;

static struct kvm_xpv_header *const area = (void *)XPV_GPA;

/* A consistent copy of the version and of vCPU 0's entry. */
static uint64_t guest_read(uint16_t *pnode)
{
	uint32_t seq;
	uint64_t version;
	int i;

	for (i = 0; i < MAX_READ_TRIES; i++) {
		seq = READ_ONCE(area->seq);
		barrier();
		version = READ_ONCE(area->version);
		*pnode = READ_ONCE(*(uint16_t *)(XPV_GPA + READ_ONCE(area->vcpu_offset)));
		barrier();
		if (!(seq & 1) && seq == READ_ONCE(area->seq))
			return version;
	}
	GUEST_FAIL("no consistent snapshot in %d reads", MAX_READ_TRIES);
	return 0;
}

static void guest_xpv_isr(struct ex_regs *regs)
{
	uint16_t pnode;

	WRITE_ONCE(irq_count, irq_count + 1);
	WRITE_ONCE(acked_version, guest_read(&pnode));
	wrmsr(MSR_KVM_XPV_ACK, acked_version);
	x2apic_write_reg(APIC_EOI, 0);
}

static void guest_register_size(uint64_t size)
{
	wrmsr(MSR_KVM_XPV_VECTOR, XPV_VECTOR);
	wrmsr(MSR_KVM_XPV_SIZE, size);
	wrmsr(MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
}

static void guest_register(void)
{
	guest_register_size(XPV_SIZE);
}

static void guest_placement(void)
{
	uint64_t limits = rdmsr(MSR_KVM_XPV_LIMITS), v, n;
	uint16_t pnode, p1;
	int i;

	GUEST_ASSERT_EQ(KVM_XPV_LIMITS_CHUNK_SHIFT(limits), 21);
	GUEST_ASSERT(KVM_XPV_LIMITS_MAX_PAGES(limits) >= XPV_PAGES);
	x2apic_enable();
	guest_register();
	/* The registration itself is notified. */
	while (!READ_ONCE(irq_count))
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	v = guest_read(&p1);
	GUEST_SYNC_ARGS(1, v, p1, READ_ONCE(irq_count), 0);

	/*
	 * Moved to another node: wait for the notification that says so
	 * (memory placement updates may come in between).
	 */
	do {
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
		v = guest_read(&pnode);
	} while (pnode == p1);
	GUEST_SYNC_ARGS(2, v, pnode, READ_ONCE(irq_count), 0);

	/* Acknowledging an older version than the host's notifies again. */
	n = READ_ONCE(irq_count);
	wrmsr(MSR_KVM_XPV_ACK, v - 1);
	while (READ_ONCE(irq_count) == n)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	GUEST_SYNC_ARGS(3, READ_ONCE(irq_count) - n, READ_ONCE(acked_version),
			0, 0);

	/* Rapid migrations, mostly with interrupts masked. */
	for (i = 0; i < MIGRATIONS; i++) {
		if (i % UNMASK_EVERY == 0)
			__asm__ __volatile__("sti; nop; cli" ::: "memory");
		GUEST_SYNC(4);
	}
	__asm__ __volatile__("sti; nop; cli" ::: "memory");
	v = guest_read(&pnode);
	GUEST_SYNC_ARGS(5, v, pnode, READ_ONCE(irq_count), 0);
	GUEST_DONE();
}

static int cpu0_of[2];
/* The vCPU of the running test, for the timeout's report. */
static struct kvm_vcpu *watched;

static void pin(int node)
{
	kvm_pin_this_task_to_pcpu(cpu0_of[node]);
}

static struct ucall run_to_sync(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT(uc.args[1] == stage, "guest at stage %lu, expected %lu",
			    uc.args[1], stage);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	case UCALL_DONE:
		break;
	default:
		TEST_FAIL("unexpected ucall");
	}
	return uc;
}

static bool canary_intact(struct kvm_vm *vm)
{
	uint8_t *p = addr_gpa2hva(vm, XPV_GPA + XPV_SIZE);
	int i;

	for (i = 0; i < 4096; i++)
		if (p[i] != CANARY)
			return false;
	return true;
}

/*
 * Every chunk up to the end of the highest memslot.  All memory was
 * written from node 0: the chunk with the guest's code and the area's
 * read pnode 0, the rest of the first memslot 0 or unknown (untouched),
 * and the chunks in no memslot (from 1 GiB to the area) unknown.
 */
static bool chunks_right(struct kvm_xpv_header *h)
{
	uint16_t *c = (uint16_t *)((char *)h + h->chunk_offset);
	uint64_t want = (XPV_GPA + XPV_SIZE + 4096 + (1 << 21) - 1) >> 21, i;

	if (h->nr_chunks != want || h->flags & KVM_XPV_F_CHUNKS_TRUNCATED ||
	    h->chunk_offset + 2 * h->nr_chunks > h->area_size)
		return false;
	for (i = 0; i < h->nr_chunks; i++) {
		if (i == 0 || i == XPV_GPA >> 21 ? c[i] == 0 :
		    c[i] == KVM_XPV_PNODE_UNKNOWN ||
		    (c[i] == 0 && i < (1 << 30) >> 21))
			continue;
		ksft_print_msg("chunk %lu reads pnode %u\n", i, c[i]);
		return false;
	}
	return true;
}

static uint16_t host_entry(struct kvm_vm *vm, uint32_t vcpu_id)
{
	struct kvm_xpv_header *h = addr_gpa2hva(vm, XPV_GPA);

	return *(uint16_t *)((char *)h + h->vcpu_offset + 2 * vcpu_id);
}

/* Updates other than memory placement (xpv_mem_test covers those). */
static uint64_t vcpu_updates(struct kvm_vm *vm)
{
	return vm_get_stat(vm, "xpv_updates") - vm_get_stat(vm, "xpv_mem_updates");
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu, void *guest_code)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	/* one more page after the area, as a canary */
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, XPV_GPA, XPV_SLOT,
				    XPV_PAGES + 1, 0);
	virt_map(vm, XPV_GPA, XPV_GPA, XPV_PAGES + 1);
	memset(addr_gpa2hva(vm, XPV_GPA + XPV_SIZE), CANARY, 4096);
	vm_install_exception_handler(vm, XPV_VECTOR, guest_xpv_isr);
	watched = *vcpu;
	return vm;
}

static void free_vm(struct kvm_vm *vm)
{
	watched = NULL;
	kvm_vm_free(vm);
}

static void test_placement(void)
{
	struct kvm_xpv_header *h;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t v1, v2, irqs, updates, notes, coalesced, n0, c0, mem;
	struct ucall uc;
	int i, node = 1;	/* where stage 2 left the vCPU */
	bool ok;

	pin(0);
	vm = create_vm(&vcpu, guest_placement);
	h = addr_gpa2hva(vm, XPV_GPA);

	uc = run_to_sync(vcpu, 1);
	v1 = uc.args[2];
	ok = h->magic == KVM_XPV_MAGIC && h->abi_version == KVM_XPV_ABI_VERSION &&
	     h->header_size == sizeof(*h) && !(h->seq & 1) && v1 >= 1 &&
	     h->nr_pnodes >= 2 && h->chunk_shift == 21 && uc.args[3] == 0 &&
	     uc.args[4] >= 1 && host_entry(vm, 0) == 0 && chunks_right(h) &&
	     ((uint8_t *)h)[h->distance_offset] == 10 &&
	     ((uint8_t *)h)[h->distance_offset + 1] > 10;
	ksft_print_msg("registered: version %lu, %u pnodes, %u vcpus, %lu chunks\n",
		       v1, h->nr_pnodes, h->nr_vcpus, (unsigned long)h->nr_chunks);
	ksft_print_msg("%lu interrupts, %lu memory updates so far\n", uc.args[4],
		       vm_get_stat(vm, "xpv_mem_updates"));
	ksft_print_msg("vCPU 0 on host node 0 reads pnode %lu\n", uc.args[3]);
	ksft_test_result(ok, "initial pnode is the node of the vCPU thread's CPU\n");

	n0 = vm_get_stat(vm, "xpv_notifications");
	c0 = vm_get_stat(vm, "xpv_coalesced");
	updates = vcpu_updates(vm);
	mem = vm_get_stat(vm, "xpv_mem_updates");
	irqs = uc.args[4];
	pin(1);
	uc = run_to_sync(vcpu, 2);
	v2 = uc.args[2];
	notes = vm_get_stat(vm, "xpv_notifications") - n0;
	coalesced = vm_get_stat(vm, "xpv_coalesced") - c0;
	updates = vcpu_updates(vm) - updates;
	mem = vm_get_stat(vm, "xpv_mem_updates") - mem;
	irqs = uc.args[4] - irqs;
	ksft_print_msg("moved to node 1: version %lu -> %lu, guest pnode %lu, %lu interrupts\n",
		       v1, v2, uc.args[3], irqs);
	ksft_print_msg("%lu vCPU updates, %lu memory updates, %lu notifications\n",
		       updates, mem, notes);
	/* One vCPU update, notified; memory updates are notified too. */
	ksft_test_result(v2 > v1 && uc.args[3] == 1 && host_entry(vm, 0) == 1 &&
			 updates == 1 && irqs >= 1 && notes >= 1 &&
			 notes + coalesced == updates + mem,
			 "vCPU moved to node 1: interrupt, new pnode, version up\n");

	uc = run_to_sync(vcpu, 3);
	ksft_test_result(uc.args[2] >= 1 && uc.args[3] >= v2,
			 "acknowledging an old version notifies again\n");

	sync_global_from_guest(vm, irq_count);
	irqs = irq_count;
	updates = vcpu_updates(vm);
	mem = vm_get_stat(vm, "xpv_mem_updates");
	n0 = vm_get_stat(vm, "xpv_notifications");
	c0 = vm_get_stat(vm, "xpv_coalesced");
	for (i = 0; i < MIGRATIONS; i++) {
		node = !node;
		pin(node);
		run_to_sync(vcpu, 4);
	}
	node = !node;
	pin(node);
	uc = run_to_sync(vcpu, 5);
	irqs = uc.args[4] - irqs;
	updates = vcpu_updates(vm) - updates;
	mem = vm_get_stat(vm, "xpv_mem_updates") - mem;
	notes = vm_get_stat(vm, "xpv_notifications") - n0;
	coalesced = vm_get_stat(vm, "xpv_coalesced") - c0;
	ksft_print_msg("%d migrations: %lu updates, %lu interrupts seen, %lu coalesced\n",
		       MIGRATIONS + 1, updates, irqs, coalesced);
	ksft_print_msg("meanwhile %lu memory updates; %lu notifications\n",
		       mem, notes);
	ksft_print_msg("final node %d: published %u, guest read %lu\n",
		       node, host_entry(vm, 0), uc.args[3]);
	/*
	 * Every update, memory ones included, is either notified or
	 * coalesced; the guest takes every notification (but perhaps the
	 * last, still pending); at most one per unmasked window (and the
	 * last migration's), and the memory updates' own.
	 */
	ksft_test_result(updates == MIGRATIONS + 1 &&
			 notes + coalesced == updates + mem &&
			 irqs <= notes && notes <= irqs + 1 &&
			 notes <= MIGRATIONS / UNMASK_EVERY + 2 + mem &&
			 host_entry(vm, 0) == node && uc.args[3] == (uint64_t)node &&
			 canary_intact(vm),
			 "%d migrations: interrupts <= migrations, final state published\n",
			 MIGRATIONS);
	ksft_print_msg("stats: xpv_version %lu (area %llu), vCPU 0 xpv_pnode %lu\n",
		       vm_get_stat(vm, "xpv_version"),
		       ((struct kvm_xpv_header *)addr_gpa2hva(vm, XPV_GPA))->version,
		       xpv_vcpu_stat(vcpu, "xpv_pnode"));
	ksft_test_result(vm_get_stat(vm, "xpv_version") ==
			 ((struct kvm_xpv_header *)addr_gpa2hva(vm, XPV_GPA))->version &&
			 xpv_vcpu_stat(vcpu, "xpv_pnode") == (uint64_t)node,
			 "the binary stats report the published version and vCPU pnode\n");
	run_to_sync(vcpu, 0);	/* GUEST_DONE */
	free_vm(vm);
}

#define GP(insn) GUEST_ASSERT_EQ(insn, GP_VECTOR)

static void guest_invalid(void)
{
	uint64_t limits = rdmsr(MSR_KVM_XPV_LIMITS);
	uint64_t too_big = (KVM_XPV_LIMITS_MAX_PAGES(limits) + 1ULL) * 4096;
	uint64_t v;

	GP(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1));	/* no vector, no size */
	GP(wrmsr_safe(MSR_KVM_XPV_VECTOR, 0));
	GP(wrmsr_safe(MSR_KVM_XPV_VECTOR, 31));
	GP(wrmsr_safe(MSR_KVM_XPV_VECTOR, 0x1f0));
	GP(wrmsr_safe(MSR_KVM_XPV_SIZE, 0));
	GP(wrmsr_safe(MSR_KVM_XPV_SIZE, 4095));
	GP(wrmsr_safe(MSR_KVM_XPV_SIZE, too_big));
	GP(wrmsr_safe(MSR_KVM_XPV_LIMITS, limits));
	GP(wrmsr_safe(MSR_KVM_XPV_ACK, 1));		/* nothing registered */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_VECTOR, XPV_VECTOR), 0);
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1));	/* no size */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_SIZE, 4096), 0);
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1));	/* too small */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_SIZE, XPV_SIZE), 0);
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1 | 2));	/* reserved bit */
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, (XPV_GPA + 8192) | 1));	/* runs past the slot */
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, (1ULL << 40) | 1));	/* no memslot */
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, -4096ULL | 1));	/* wraps */
	/* overlaps this vCPU's steal time area */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_STEAL_TIME, (XPV_GPA + 8192) | 1), 0);
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1));
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_STEAL_TIME, 0), 0);
	GP(wrmsr_safe(MSR_KVM_XPV_AREA, 5));		/* reserved bits, disable */
	/* the same registration is fine once nothing is wrong with it */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1), 0);
	v = READ_ONCE(area->version);
	/*
	 * The area held version 1000 (the host wrote it there, as a
	 * migration source or a hibernation image would): versions go on
	 * from there.
	 */
	GUEST_ASSERT_EQ(v, 1001);
	GP(wrmsr_safe(MSR_KVM_XPV_ACK, v + 1));		/* from the future */
	GP(wrmsr_safe(MSR_KVM_XPV_VECTOR, 0));
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_ACK, v), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, 0), 0);
	/* registering again goes on from there */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1), 0);
	GUEST_ASSERT_EQ(READ_ONCE(area->version), v + 1);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, 0), 0);
	/* a version the guest forged next to U64_MAX is not taken */
	WRITE_ONCE(area->version, ~0ULL);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, XPV_GPA | 1), 0);
	GUEST_ASSERT_EQ(READ_ONCE(area->version), v + 2);
	/*
	 * Steal time registered over the area, as a kexec'd kernel that
	 * reuses the memory would: the newer registration wins, KVM drops
	 * the XPV area.
	 */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_STEAL_TIME, (XPV_GPA + 8192) | 1), 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_KVM_XPV_AREA), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_STEAL_TIME, 0), 0);
	GUEST_DONE();
}

/*
 * A restore by userspace (host-initiated MSR writes) carries on the
 * version the area holds, from the migration source, unless no VM can
 * have counted that far.  Returns the version then published.
 */
static uint64_t restore_with(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			     uint64_t version)
{
	struct kvm_xpv_header *h = addr_gpa2hva(vm, XPV_GPA);
	uint64_t v;

	h->magic = KVM_XPV_MAGIC;
	h->version = version;
	vcpu_set_msr(vcpu, MSR_KVM_XPV_VECTOR, XPV_VECTOR);
	vcpu_set_msr(vcpu, MSR_KVM_XPV_SIZE, XPV_SIZE);
	vcpu_set_msr(vcpu, MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
	v = h->version;
	vcpu_set_msr(vcpu, MSR_KVM_XPV_AREA, 0);
	return v;
}

static void guest_no_cpuid(void)
{
	static const uint32_t msrs[] = {
		MSR_KVM_XPV_AREA, MSR_KVM_XPV_SIZE, MSR_KVM_XPV_VECTOR,
		MSR_KVM_XPV_ACK, MSR_KVM_XPV_LIMITS,
	};
	uint64_t val;
	int i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		GP(rdmsr_safe(msrs[i], &val));
		GP(wrmsr_safe(msrs[i], 0));
	}
	GP(wrmsr_safe(MSR_KVM_XPV_VECTOR, XPV_VECTOR));
	GUEST_DONE();
}

static void run_to_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc = run_to_sync(vcpu, 0);

	TEST_ASSERT(uc.cmd == UCALL_DONE, "guest did not finish");
}

static void test_invalid(void)
{
	struct kvm_xpv_header *h;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t updates, v, big, pending, after;

	pin(0);
	vm = create_vm(&vcpu, guest_invalid);
	h = addr_gpa2hva(vm, XPV_GPA);
	h->magic = KVM_XPV_MAGIC;
	h->version = 1000;
	run_to_done(vcpu);
	updates = vcpu_updates(vm);
	free_vm(vm);
	ksft_test_result(updates == 3,
			 "invalid XPV MSR writes #GP, valid ones taken, versions carried on but not wrapped (%lu updates)\n",
			 updates);

	/* never runs: userspace restores the MSRs, as a migration does */
	vm = create_vm(&vcpu, guest_no_cpuid);
	v = restore_with(vm, vcpu, 1000);
	big = restore_with(vm, vcpu, ~0ULL);
	free_vm(vm);
	ksft_print_msg("restored over version 1000: %lu; over version U64_MAX: %lu\n",
		       v, big);
	ksft_test_result(v == 1001 && big == 1002,
			 "a restore carries the migrated version on, not one no VM can reach\n");

	/* restored the other way round: the area waits for the others */
	vm = create_vm(&vcpu, guest_no_cpuid);
	h = addr_gpa2hva(vm, XPV_GPA);
	h->magic = KVM_XPV_MAGIC;
	h->version = 500;
	vcpu_set_msr(vcpu, MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
	pending = vcpu_get_msr(vcpu, MSR_KVM_XPV_AREA);
	v = h->version;
	vcpu_set_msr(vcpu, MSR_KVM_XPV_SIZE, XPV_SIZE);
	big = h->version;
	vcpu_set_msr(vcpu, MSR_KVM_XPV_VECTOR, XPV_VECTOR);
	after = h->version;
	free_vm(vm);
	ksft_print_msg("AREA first: reads %#lx, version %lu, %lu after SIZE, %lu after VECTOR\n",
		       pending, v, big, after);
	ksft_test_result(pending == (XPV_GPA | KVM_XPV_AREA_ENABLE) &&
			 v == 500 && big == 500 && after == 501,
			 "the XPV MSRs restore in any order: the area waits for its size and vector\n");

	vm = create_vm(&vcpu, guest_no_cpuid);
	vcpu_clear_cpuid_feature(vcpu, X86_FEATURE_KVM_XPV);
	run_to_done(vcpu);
	free_vm(vm);
	ksft_test_result_pass("without KVM_FEATURE_XPV every XPV MSR raises #GP\n");
}

static void guest_register_only(void)
{
	guest_register();
	GUEST_DONE();
}

/*
 * Live migration copies what the dirty log names: every page of the area
 * that a publish wrote must be in it, and no page beyond.
 */
static void test_dirty_log(void)
{
	unsigned long log[1] = {};
	struct kvm_xpv_header *h;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t end, page, missed = 0;

	vm = create_vm(&vcpu, guest_register_only);
	vm_mem_region_set_flags(vm, XPV_SLOT, KVM_MEM_LOG_DIRTY_PAGES);
	kvm_vm_get_dirty_log(vm, XPV_SLOT, log);	/* starts clean */
	log[0] = 0;
	run_to_done(vcpu);
	kvm_vm_get_dirty_log(vm, XPV_SLOT, log);
	h = addr_gpa2hva(vm, XPV_GPA);
	end = h->chunk_offset + h->nr_chunks * sizeof(uint16_t);
	for (page = 0; page * 4096 < end; page++)
		if (!(log[0] & (1UL << page))) {
			ksft_print_msg("area page %lu (bytes 0-%lu written) not logged\n",
				       page, end - 1);
			missed++;
		}
	ksft_print_msg("dirty log of the area's memslot: %#lx\n", log[0]);
	ksft_test_result(!missed && !(log[0] >> XPV_PAGES),
			 "a registration logs every page of the area it wrote, and none beyond\n");
	free_vm(vm);
}

/*
 * A dirty ring of RING_ENTRIES (the smallest KVM takes): the guest fills
 * RING_FILL entries of it by writing scratch pages, then registers an
 * area whose chunk table spans RING_HI_GPA of guest-physical space, more
 * pages than the ring has room left for.
 */
#define RING_ENTRIES	256
#define RING_FILL	160
#define RING_SCRATCH_GPA 0x80000000ULL
#define RING_SCRATCH_SLOT 11
#define RING_AREA_SLOT	12
#define RING_HI_SLOT	13
#define RING_HI_GPA	(512ULL << 30)
#define RING_MAX_EXITS	64

static uint64_t ring_area_size;

static void guest_ring(void)
{
	int i;

	for (i = 0; i < RING_FILL; i++)
		WRITE_ONCE(*(uint64_t *)(RING_SCRATCH_GPA + i * 4096ULL), i + 1);
	x2apic_enable();
	guest_register_size(ring_area_size);
	/* The publish is complete when it is notified. */
	while (!READ_ONCE(irq_count))
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	GUEST_DONE();
}

/* Take every dirtied entry of the ring; mark its page in @scratch or @area. */
static uint32_t ring_harvest(struct kvm_dirty_gfn *ring, uint32_t *fetch,
			     uint8_t *scratch, uint8_t *area, uint64_t area_pages)
{
	struct kvm_dirty_gfn *cur;
	uint32_t n = 0;

	for (;;) {
		cur = &ring[*fetch % RING_ENTRIES];
		if (__atomic_load_n(&cur->flags, __ATOMIC_ACQUIRE) !=
		    KVM_DIRTY_GFN_F_DIRTY)
			break;
		if (cur->slot == RING_SCRATCH_SLOT && cur->offset < RING_FILL)
			scratch[cur->offset] = 1;
		else if (cur->slot == RING_AREA_SLOT && cur->offset < area_pages)
			area[cur->offset] = 1;
		__atomic_store_n(&cur->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		(*fetch)++;
		n++;
	}
	return n;
}

/*
 * A VMM that harvests dirty pages from rings gets every page a
 * registration writes, however large the area: KVM must not push more
 * entries than the ring holds (kvm_dirty_ring_push() warns and overwrites
 * one) but publish in steps, the vCPU exiting with
 * KVM_EXIT_DIRTY_RING_FULL in between.
 */
static void test_dirty_ring(void)
{
	uint64_t chunks = RING_HI_GPA / (1ULL << 21) + 1, pages, waits, i;
	uint8_t scratch[RING_FILL] = {}, *area;
	uint64_t lost_scratch = 0, lost_area = 0;
	uint32_t fetch = 0, harvested = 0, full_exits = 0;
	struct kvm_dirty_gfn *ring;
	struct kvm_xpv_header *h;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	bool done = false;

	if (!kvm_has_cap(KVM_CAP_DIRTY_LOG_RING) &&
	    !kvm_has_cap(KVM_CAP_DIRTY_LOG_RING_ACQ_REL)) {
		ksft_test_result_skip("no dirty ring on this host\n");
		return;
	}
	/* chunk table, plus room for the header and a vCPU table */
	ring_area_size = (chunks * 2 + (64 << 10) + 4095) & ~4095ULL;
	pages = ring_area_size / 4096;
	area = calloc(pages, 1);
	TEST_ASSERT(area, "calloc");

	pin(0);
	vm = vm_create(1);
	TEST_ASSERT(RING_HI_GPA < (vm->max_gfn << vm->page_shift),
		    "guest-physical space ends at %#lx", vm->max_gfn << vm->page_shift);
	vm_enable_dirty_ring(vm, RING_ENTRIES * sizeof(struct kvm_dirty_gfn));
	vcpu = vm_vcpu_add(vm, 0, guest_ring);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, RING_SCRATCH_GPA,
				    RING_SCRATCH_SLOT, RING_FILL,
				    KVM_MEM_LOG_DIRTY_PAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, XPV_GPA,
				    RING_AREA_SLOT, pages, KVM_MEM_LOG_DIRTY_PAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, RING_HI_GPA,
				    RING_HI_SLOT, 1, 0);
	virt_map(vm, RING_SCRATCH_GPA, RING_SCRATCH_GPA, RING_FILL);
	virt_map(vm, XPV_GPA, XPV_GPA, pages);
	vm_install_exception_handler(vm, XPV_VECTOR, guest_xpv_isr);
	sync_global_to_guest(vm, ring_area_size);
	irq_count = 0;
	sync_global_to_guest(vm, irq_count);
	watched = vcpu;
	ring = vcpu_map_dirty_ring(vcpu);

	while (!done && full_exits <= RING_MAX_EXITS) {
		vcpu_run(vcpu);
		harvested += ring_harvest(ring, &fetch, scratch, area, pages);
		kvm_vm_reset_dirty_ring(vm);
		if (vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			full_exits++;
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		case UCALL_DONE:
			done = true;
			break;
		default:
			TEST_FAIL("unexpected ucall");
		}
	}
	h = addr_gpa2hva(vm, XPV_GPA);
	for (i = 0; i < RING_FILL; i++)
		lost_scratch += !scratch[i];
	for (i = 0; done && i * 4096 < h->chunk_offset + h->nr_chunks * 2; i++)
		if (!area[i]) {
			if (!lost_area)
				ksft_print_msg("area page %lu not in the ring\n", i);
			lost_area++;
		}
	waits = vm_get_stat(vm, "xpv_ring_waits");
	ksft_print_msg("ring of %d entries: %u harvested over %u ring-full exits\n",
		       RING_ENTRIES, harvested, full_exits);
	ksft_print_msg("the area's %lu pages (%lu chunks) published in %lu waits\n",
		       pages, (unsigned long)h->nr_chunks, waits);
	ksft_print_msg("not in the ring: %lu of %d scratch pages, %lu area pages\n",
		       lost_scratch, RING_FILL, lost_area);
	ksft_test_result(done && !(h->seq & 1) && h->nr_chunks == chunks &&
			 !(h->flags & KVM_XPV_F_CHUNKS_TRUNCATED) &&
			 !lost_scratch && !lost_area && full_exits && waits,
			 "with a dirty ring, a registration that dirties more pages than it holds is published in steps, and no dirty page is lost\n");
	watched = NULL;
	kvm_vm_free(vm);
	free(area);
}

/* Interrupts stay masked: like a CPU the guest took offline, it never acks. */
static void guest_never_acks(void)
{
	x2apic_enable();
	guest_register();
	for (;;)
		GUEST_SYNC(7);
}

/*
 * A notification nobody acknowledges does not hold back the next one
 * for ever: after a second the next change notifies again.
 */
static void test_unacknowledged(void)
{
	uint64_t notes[3], coalesced;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	pin(0);
	vm = create_vm(&vcpu, guest_never_acks);
	run_to_sync(vcpu, 7);			/* registered, notified */
	notes[0] = vm_get_stat(vm, "xpv_notifications");
	pin(1);
	run_to_sync(vcpu, 7);			/* moved: coalesced */
	notes[1] = vm_get_stat(vm, "xpv_notifications");
	usleep(1500 * 1000);
	pin(0);
	run_to_sync(vcpu, 7);			/* moved a second later */
	notes[2] = vm_get_stat(vm, "xpv_notifications");
	coalesced = vm_get_stat(vm, "xpv_coalesced");
	free_vm(vm);
	ksft_print_msg("notifications %lu, %lu, %lu; %lu coalesced\n",
		       notes[0], notes[1], notes[2], coalesced);
	ksft_test_result(notes[0] == 1 && notes[1] == 1 && notes[2] == 2 &&
			 coalesced == 1,
			 "a notification never acknowledged is given up after a second\n");
}

static void guest_no_opt_in(void)
{
	x2apic_enable();
	for (;;) {
		__asm__ __volatile__("sti; nop; cli" ::: "memory");
		GUEST_SYNC(6);
	}
}

static void test_no_opt_in(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint8_t *mem;
	bool untouched = true;
	int i;

	vm = create_vm(&vcpu, guest_no_opt_in);
	mem = addr_gpa2hva(vm, XPV_GPA);
	memset(mem, 0x5a, XPV_SIZE);
	for (i = 0; i < 20; i++) {
		pin(i % 2);
		run_to_sync(vcpu, 6);
	}
	for (i = 0; i < XPV_SIZE; i++)
		untouched &= mem[i] == 0x5a;
	sync_global_from_guest(vm, irq_count);
	ksft_test_result(untouched && !irq_count &&
			 !vm_get_stat(vm, "xpv_updates") &&
			 !vm_get_stat(vm, "xpv_notifications"),
			 "a VM that does not register gets no writes and no interrupt\n");
	free_vm(vm);
}

static void guest_register_loop(void)
{
	int i;

	guest_register();
	for (i = 1; i < REGISTRATIONS; i++)
		wrmsr(MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
	GUEST_DONE();
}

/*
 * Each registration publishes the whole area: a guest that registers in
 * a loop gets one per 100 ms (its vCPU waits in the WRMSR), and no
 * holder of the VM's XPV lock, which every vCPU may need, keeps it long
 * (the xpv_lock_max_ns stat).
 */
static void test_register_loop(void)
{
	uint64_t start, ms, updates, held;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	pin(0);
	vm = create_vm(&vcpu, guest_register_loop);
	start = xpv_now_ms();
	run_to_done(vcpu);
	ms = xpv_now_ms() - start;
	updates = vcpu_updates(vm);
	held = vm_get_stat(vm, "xpv_lock_max_ns");
	free_vm(vm);
	ksft_print_msg("%d registrations: %lu ms, %lu full publishes\n",
		       REGISTRATIONS, ms, updates);
	ksft_print_msg("longest hold of the VM's XPV lock: %lu us\n",
		       held / 1000);
	/* a wait of 100 ms counted in jiffies lasts at least 80 ms */
	ksft_test_result(updates == REGISTRATIONS &&
			 ms >= (REGISTRATIONS - 1) * 80,
			 "a guest registering in a loop gets one registration per 100 ms\n");
	ksft_test_result(held > 0 && held < 1000000000ULL,
			 "no holder of the VM's XPV lock keeps it a second (stat xpv_lock_max_ns)\n");
}

static bool apic_bit(struct kvm_lapic_state *lapic, int reg, int vector)
{
	uint32_t *word = (uint32_t *)&lapic->regs[reg + (vector / 32) * 0x10];

	return *word >> (vector % 32) & 1;
}

/*
 * Say where the notification got lost: never sent (the host's counters),
 * sent but not taken (the vector still in the vCPU's IRR), or taken by a
 * guest that did not count it.  The alarm ends KVM_RUN, so the vCPU is
 * not running here.
 */
static void timeout(int sig)
{
	struct kvm_vcpu *vcpu = watched;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_vm *vm;

	if (vcpu) {
		vm = vcpu->vm;
		vcpu_regs_get(vcpu, &regs);
		vcpu_mp_state_get(vcpu, &mp);
		vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic);
		sync_global_from_guest(vm, irq_count);
		sync_global_from_guest(vm, acked_version);
		ksft_print_msg("vCPU %u: rip %#llx, IF %d, mp_state %u\n",
			       vcpu->id, regs.rip, !!(regs.rflags & RFLAGS_IF),
			       mp.mp_state);
		ksft_print_msg("vector %#x: IRR %d, ISR %d; TPR %#x\n",
			       XPV_VECTOR, apic_bit(&lapic, APIC_IRR, XPV_VECTOR),
			       apic_bit(&lapic, APIC_ISR, XPV_VECTOR),
			       *(uint32_t *)&lapic.regs[APIC_TASKPRI]);
		ksft_print_msg("guest: %lu interrupts taken, last acknowledged version %lu\n",
			       irq_count, acked_version);
		ksft_print_msg("host: version %lu, %lu updates, %lu notifications, %lu coalesced\n",
			       vm_get_stat(vm, "xpv_version"),
			       vm_get_stat(vm, "xpv_updates"),
			       vm_get_stat(vm, "xpv_notifications"),
			       vm_get_stat(vm, "xpv_coalesced"));
	}
	ksft_exit_fail_msg("timed out: an expected notification never came\n");
}

int main(int argc, char *argv[])
{
	ksft_print_header();
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_XPV));
	cpu0_of[0] = xpv_node_cpu0(0);
	cpu0_of[1] = xpv_node_cpu0(1);
	if (cpu0_of[0] < 0 || cpu0_of[1] < 0)
		ksft_exit_skip("needs two host NUMA nodes with CPUs\n");

	signal(SIGALRM, timeout);
	alarm(300);
	ksft_set_plan(15);
	test_placement();
	test_invalid();
	test_dirty_log();
	test_dirty_ring();
	test_unacknowledged();
	test_no_opt_in();
	test_register_loop();
	ksft_finished();
}
