// SPDX-License-Identifier: GPL-2.0-only
/*
 * XPV: KVM publishes the host NUMA node backing each 2 MiB chunk of guest
 * memory and keeps it current when the memory moves.
 *
 * The vCPU runs in its own thread, pinned to host node 0, and halts
 * between the topology interrupts it acknowledges.  The main thread
 * moves the guest's memory with move_pages(), asks the kernel where each
 * page really is, and checks the chunk table against that.  Needs a host
 * with two NUMA nodes that have CPUs and memory.
 */
#include <asm/kvm_para.h>
#include <linux/mempolicy.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
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

#define CHUNK		(2UL << 20)
#define CHUNK_PAGES	(CHUNK / 4096)
#define MEM_GPA		0x40000000ULL	/* 1 GiB */
#define MEM_SLOT	11
#define MEM_CHUNKS	32
#define MEM_PAGES	(MEM_CHUNKS * CHUNK_PAGES)
#define EXTRA_GPA(i)	(0x100000000ULL + (i) * 0x40000000ULL)	/* 4, 5 GiB */
#define EXTRA_SLOT(i)	(12 + (i))
#define EXTRA_CHUNKS	2

#define BURST		100
#define BURST_PAGES	64
#define DEADLINE_MS	30000	/* far above the bound, for nested TCG */
#define DELAY_MS	100	/* XPV_MEM_DELAY_MS: one update per burst window */

/* Guest state; the host reads it through addr_gva2hva(). */
static uint64_t irq_count;
static uint64_t acked_version;

static struct kvm_xpv_header *const area = (void *)XPV_GPA;

static uint64_t guest_version(void)
{
	uint32_t seq;
	uint64_t v;

	do {
		seq = READ_ONCE(area->seq);
		barrier();
		v = READ_ONCE(area->version);
		barrier();
	} while ((seq & 1) || seq != READ_ONCE(area->seq));
	return v;
}

static void guest_xpv_isr(struct ex_regs *regs)
{
	WRITE_ONCE(acked_version, guest_version());
	wrmsr(MSR_KVM_XPV_ACK, acked_version);
	WRITE_ONCE(irq_count, irq_count + 1);
	x2apic_write_reg(APIC_EOI, 0);
}

static void guest_code(void)
{
	uint64_t gpa;

	x2apic_enable();
	wrmsr(MSR_KVM_XPV_VECTOR, XPV_VECTOR);
	wrmsr(MSR_KVM_XPV_SIZE, XPV_SIZE);
	wrmsr(MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
	while (!READ_ONCE(irq_count))
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");

	/* First touch, from host node 0. */
	for (gpa = MEM_GPA; gpa < MEM_GPA + MEM_PAGES * 4096ULL; gpa += 4096)
		WRITE_ONCE(*(uint64_t *)gpa, gpa);
	GUEST_SYNC(1);

	/* Take notifications until the host stops the vCPU thread. */
	for (;;)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

static struct kvm_vm *vm;
static struct kvm_vcpu *vcpu;
static bool touched, done;	/* READ_ONCE/WRITE_ONCE */

static void *vcpu_thread(void *arg)
{
	struct ucall uc;

	kvm_pin_this_task_to_pcpu(xpv_node_cpu0(0));
	while (!READ_ONCE(done)) {
		if (__vcpu_run(vcpu)) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN: %s", strerror(errno));
			continue;
		}
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			WRITE_ONCE(touched, true);
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected ucall %lu", uc.cmd);
		}
	}
	return NULL;
}

static void wake(int sig)
{
}

static long move_pages(void **pages, unsigned long n, const int *nodes,
		       int *status)
{
	return syscall(__NR_move_pages, 0, n, pages, nodes, status,
		       nodes ? MPOL_MF_MOVE : 0);
}

/* Where the host really keeps the pages of [gpa, +npages). */
static void where(uint64_t gpa, unsigned long npages, int *status)
{
	void **pages = calloc(npages, sizeof(*pages));
	unsigned long i;

	TEST_ASSERT(pages, "calloc");
	for (i = 0; i < npages; i++)
		pages[i] = addr_gpa2hva(vm, gpa + i * 4096);
	TEST_ASSERT(!move_pages(pages, npages, NULL, status),
		    "move_pages(query): %s", strerror(errno));
	free(pages);
}

/* Move [gpa, +npages) to host node @node. */
static void move(uint64_t gpa, unsigned long npages, int node)
{
	void **pages = calloc(npages, sizeof(*pages));
	int *nodes = calloc(npages, sizeof(*nodes));
	int *status = calloc(npages, sizeof(*status));
	unsigned long i;

	TEST_ASSERT(pages && nodes && status, "calloc");
	for (i = 0; i < npages; i++) {
		pages[i] = addr_gpa2hva(vm, gpa + i * 4096);
		nodes[i] = node;
	}
	TEST_ASSERT(move_pages(pages, npages, nodes, status) >= 0,
		    "move_pages: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		TEST_ASSERT(status[i] == node, "page %lu of gpa %#lx: status %d",
			    i, gpa, status[i]);
	free(pages);
	free(nodes);
	free(status);
}

/* The pnode of the chunk at @gpa as the host's page tables say: majority. */
static int truth(uint64_t gpa)
{
	int status[CHUNK_PAGES], count[KVM_XPV_MAX_PNODES] = {}, best = -1;
	unsigned long i;

	where(gpa, CHUNK_PAGES, status);
	for (i = 0; i < CHUNK_PAGES; i++)
		if (status[i] >= 0 && status[i] < KVM_XPV_MAX_PNODES)
			count[status[i]]++;
	for (i = 0; i < KVM_XPV_MAX_PNODES; i++)
		if (count[i] && (best < 0 || count[i] > count[best]))
			best = i;
	return best < 0 ? KVM_XPV_PNODE_UNKNOWN : best;
}

static uint8_t copy[XPV_SIZE];

/* The published pnode of each chunk at @gpa, +@n chunks; false if torn. */
static bool published(uint64_t gpa, int n, uint16_t *out)
{
	struct kvm_xpv_header *h = (void *)copy;
	uint16_t *tab;
	uint64_t c = gpa / CHUNK;
	int i;

	if (!xpv_host_copy(addr_gpa2hva(vm, XPV_GPA), copy, sizeof(copy)))
		return false;
	tab = (uint16_t *)(copy + h->chunk_offset);
	for (i = 0; i < n; i++)
		out[i] = c + i < h->nr_chunks ? tab[c + i] : 0xfffe;
	return true;
}

/*
 * Wait until the chunks at @gpa (+@n) read @want; returns the time it
 * took in ms, or -1 after DEADLINE_MS, printing what differs.
 */
static long wait_map(uint64_t gpa, int n, const uint16_t *want)
{
	uint64_t start = xpv_now_ms();
	uint16_t got[64];
	int i;

	TEST_ASSERT(n <= 64, "too many chunks");
	while (xpv_now_ms() - start < DEADLINE_MS) {
		if (published(gpa, n, got) && !memcmp(got, want, n * sizeof(*got)))
			return xpv_now_ms() - start;
		usleep(10000);
	}
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			ksft_print_msg("chunk at %#lx: published %u, expected %u\n",
				       gpa + i * CHUNK, got[i], want[i]);
	return -1;
}

static uint64_t guest_irqs(void)
{
	return READ_ONCE(*(uint64_t *)addr_gva2hva(vm, (vm_vaddr_t)&irq_count));
}

static void expect_truth(uint64_t gpa, int n, uint16_t *want)
{
	int i;

	for (i = 0; i < n; i++)
		want[i] = truth(gpa + i * CHUNK);
}

static void test_first_touch(void)
{
	uint16_t want[MEM_CHUNKS];
	long ms;
	int i;

	while (!READ_ONCE(touched))
		usleep(1000);
	expect_truth(MEM_GPA, MEM_CHUNKS, want);
	for (i = 0; i < MEM_CHUNKS; i++)
		TEST_ASSERT(want[i] == 0, "chunk %d is on node %u after first touch on node 0",
			    i, want[i]);
	ms = wait_map(MEM_GPA, MEM_CHUNKS, want);
	ksft_print_msg("first touch on node 0: map right after %ld ms\n", ms);
	ksft_test_result(ms >= 0, "memory first touched on node 0 reads pnode 0\n");
}

static void test_move_half(void)
{
	uint64_t irqs = guest_irqs(), t;
	uint16_t want[MEM_CHUNKS];
	long ms;
	int i;

	t = xpv_now_ms();
	move(MEM_GPA, MEM_PAGES / 2, 1);
	t = xpv_now_ms() - t;
	expect_truth(MEM_GPA, MEM_CHUNKS, want);
	for (i = 0; i < MEM_CHUNKS; i++)
		TEST_ASSERT(want[i] == (i < MEM_CHUNKS / 2),
			    "chunk %d is on node %u after the move", i, want[i]);
	ms = wait_map(MEM_GPA, MEM_CHUNKS, want);
	ksft_print_msg("moved %d chunks to node 1 in %lu ms\n", MEM_CHUNKS / 2, t);
	ksft_print_msg("map right %ld ms later, %lu interrupts\n", ms,
		       guest_irqs() - irqs);
	ksft_test_result(ms >= 0 && guest_irqs() > irqs,
			 "half the memory moved to node 1: exactly those chunks read 1, guest notified\n");
}

static void test_burst(void)
{
	uint64_t updates = vm_get_stat(vm, "xpv_mem_updates");
	uint64_t notes = vm_get_stat(vm, "xpv_notifications");
	uint64_t irqs = guest_irqs(), t, c, part;
	uint16_t want[MEM_CHUNKS];
	long ms, allowed;
	int k;

	/* Chunks 16-23 of the second half move to node 1, 64 pages a call. */
	t = xpv_now_ms();
	for (k = 0; k < BURST; k++) {
		c = MEM_CHUNKS / 2 + k % 8;
		part = (k / 8) % (CHUNK_PAGES / BURST_PAGES);
		move(MEM_GPA + c * CHUNK + part * BURST_PAGES * 4096,
		     BURST_PAGES, 1);
	}
	t = xpv_now_ms() - t;
	expect_truth(MEM_GPA, MEM_CHUNKS, want);
	ms = wait_map(MEM_GPA, MEM_CHUNKS, want);
	updates = vm_get_stat(vm, "xpv_mem_updates") - updates;
	notes = vm_get_stat(vm, "xpv_notifications") - notes;
	/* One update per window of the burst, and one for a late recheck. */
	allowed = t / DELAY_MS + 2;
	ksft_print_msg("%d move_pages() calls in %lu ms, map right %ld ms later\n",
		       BURST, t, ms);
	ksft_print_msg("%lu memory updates (allowed %ld), %lu notifications, %lu interrupts\n",
		       updates, allowed, notes, guest_irqs() - irqs);
	ksft_test_result(ms >= 0 && updates >= 1 && updates <= allowed &&
			 notes <= updates,
			 "a burst of %d migrations: few updates, final map right\n",
			 BURST);
}

/*
 * KVM's statistics (what QEMU's query-xpv shows) match the area: the
 * version, and the memory of the chunks published on each pnode.
 */
static void test_stats(void)
{
	uint64_t bytes[KVM_XPV_MAX_PNODES], want[KVM_XPV_MAX_PNODES], v, c;
	struct kvm_xpv_header *h = (void *)copy;
	bool same = false;
	uint16_t *tab;
	int tries, p;

	for (tries = 0; tries < 100 && !same; tries++, usleep(10000)) {
		v = vm_get_stat(vm, "xpv_version");
		memset(bytes, 0, sizeof(bytes));
		__vm_get_stat(vm, "xpv_pnode_bytes", bytes, KVM_XPV_MAX_PNODES);
		if (!xpv_host_copy(addr_gpa2hva(vm, XPV_GPA), copy, sizeof(copy)) ||
		    h->version != v || vm_get_stat(vm, "xpv_version") != v)
			continue;	/* an update in between */
		memset(want, 0, sizeof(want));
		tab = (uint16_t *)(copy + h->chunk_offset);
		for (c = 0; c < h->nr_chunks; c++)
			if (tab[c] < KVM_XPV_MAX_PNODES)
				want[tab[c]] += CHUNK;
		same = !memcmp(bytes, want, sizeof(want));
	}
	for (p = 0; p < 2; p++)
		ksft_print_msg("pnode %d: stats %lu MiB, area %lu MiB\n", p,
			       bytes[p] >> 20, want[p] >> 20);
	ksft_test_result(same && bytes[0] && bytes[1],
			 "the binary stats report the version and memory per pnode the area holds\n");
}

/*
 * A memslot at EXTRA_GPA(@i), its memory first touched on host node @node
 * before it is added, as a VMM that preallocates hotplugged memory does.
 * (Memory the VMM touches only after the add is published when the guest
 * first touches it: nothing notifies KVM of a host-side first touch.)
 */
static void *extra_hva[2];

static void add_extra(int i, int node)
{
	void *hva;

	kvm_pin_this_task_to_pcpu(xpv_node_cpu0(node));
	hva = mmap(NULL, EXTRA_CHUNKS * CHUNK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(hva, 0x5a, EXTRA_CHUNKS * CHUNK);
	vm_set_user_memory_region(vm, EXTRA_SLOT(i), 0, EXTRA_GPA(i),
				  EXTRA_CHUNKS * CHUNK, hva);
	extra_hva[i] = hva;
}

static void del_extra(int i)
{
	vm_set_user_memory_region(vm, EXTRA_SLOT(i), 0, EXTRA_GPA(i), 0, NULL);
	munmap(extra_hva[i], EXTRA_CHUNKS * CHUNK);
}

/* Chunks holding memory whose pages KVM looked up, so far. */
static uint64_t lookups(void)
{
	return vm_get_stat(vm, "xpv_mem_lookups");
}

/*
 * A memslot change looks up the chunks of that memslot, not every chunk
 * (a guest can cause memslot changes): fewer lookups than the MEM_CHUNKS
 * chunks of MEM_SLOT alone, which a rescan would look up (with those of
 * the other memslots).  Chunks that the moves before left waiting for a
 * recheck, at intervals of 1 s and more, may be looked up meanwhile:
 * the bound leaves room for a quarter of MEM_SLOT's.
 */
#define MEMSLOT_LOOKUPS_MAX	(MEM_CHUNKS * 3 / 4)

static void test_memslots(void)
{
	uint16_t want[EXTRA_CHUNKS];
	uint64_t l0, l1, l2, l3;
	long ms0, ms1, ms2;
	int i;

	l0 = lookups();
	add_extra(0, 1);
	for (i = 0; i < EXTRA_CHUNKS; i++)
		want[i] = 1;
	ms0 = wait_map(EXTRA_GPA(0), EXTRA_CHUNKS, want);
	l1 = lookups();
	add_extra(1, 0);
	for (i = 0; i < EXTRA_CHUNKS; i++)
		want[i] = 0;
	ms1 = wait_map(EXTRA_GPA(1), EXTRA_CHUNKS, want);
	l2 = lookups();
	ksft_print_msg("memslots added: node 1 slot right after %ld ms, node 0 slot after %ld ms\n",
		       ms0, ms1);
	ksft_test_result(ms0 >= 0 && ms1 >= 0,
			 "an added memslot publishes the pnode of its chunks\n");

	del_extra(0);
	for (i = 0; i < EXTRA_CHUNKS; i++)
		want[i] = KVM_XPV_PNODE_UNKNOWN;
	ms2 = wait_map(EXTRA_GPA(0), EXTRA_CHUNKS, want);
	for (i = 0; i < EXTRA_CHUNKS; i++)
		want[i] = 0;
	ms1 = wait_map(EXTRA_GPA(1), EXTRA_CHUNKS, want);
	l3 = lookups();
	ksft_print_msg("memslot removed: its chunks unknown after %ld ms\n", ms2);
	ksft_test_result(ms2 >= 0 && ms1 >= 0,
			 "a removed memslot's chunks read unknown, the others stay\n");

	ksft_print_msg("memslot changes: %lu, %lu, %lu chunks looked up (a rescan: %d+)\n",
		       l1 - l0, l2 - l1, l3 - l2, MEM_CHUNKS);
	ksft_test_result(l1 - l0 <= MEMSLOT_LOOKUPS_MAX &&
			 l2 - l1 <= MEMSLOT_LOOKUPS_MAX &&
			 l3 - l2 <= MEMSLOT_LOOKUPS_MAX,
			 "a memslot change looks up its own chunks, not every chunk (at most %d)\n",
			 MEMSLOT_LOOKUPS_MAX);
}

static void guest_idle(void)
{
	x2apic_enable();
	for (;;)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

static void *idle_thread(void *arg)
{
	struct kvm_vcpu *v = arg;

	kvm_pin_this_task_to_pcpu(xpv_node_cpu0(0));
	while (!READ_ONCE(done)) {
		if (__vcpu_run(v)) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN: %s", strerror(errno));
			continue;
		}
		TEST_FAIL("vCPU %u left the guest: exit reason %u", v->id,
			  v->run->exit_reason);
	}
	return NULL;
}

/* Stop the thread running @v: it leaves KVM_RUN and does not enter again. */
static void stop_vcpu(pthread_t thread, struct kvm_vcpu *v)
{
	WRITE_ONCE(done, true);
	v->run->immediate_exit = 1;
	pthread_kill(thread, SIGUSR1);
	pthread_join(thread, NULL);
	WRITE_ONCE(done, false);
}

/*
 * The VMM stops running the vCPU that registered the area (it paused or
 * unplugged it) and runs another: memory moves must still be published,
 * by the vCPU that runs.
 */
static void test_publisher_stopped(pthread_t thread)
{
	uint16_t want[4];
	struct kvm_vcpu *other;
	pthread_t other_thread;
	long ms;
	int i;

	stop_vcpu(thread, vcpu);
	other = vm_vcpu_add(vm, 1, guest_idle);
	pthread_create(&other_thread, NULL, idle_thread, other);
	for (i = 0; i < 4; i++)
		move(MEM_GPA + i * CHUNK, CHUNK_PAGES,
		     truth(MEM_GPA + i * CHUNK) == 1 ? 0 : 1);
	expect_truth(MEM_GPA, 4, want);
	ms = wait_map(MEM_GPA, 4, want);
	ksft_print_msg("vCPU 0 stopped, vCPU 1 running: 4 chunks moved, map right after %ld ms\n",
		       ms);
	ksft_test_result(ms >= 0,
			 "with the registering vCPU stopped, the running vCPU publishes memory moves\n");
	stop_vcpu(other_thread, other);
}

static void timeout(int sig)
{
	ksft_exit_fail_msg("timed out\n");
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = wake };
	pthread_t thread;
	int status;
	void *probe;

	ksft_print_header();
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_XPV));
	if (xpv_node_cpu0(0) < 0 || xpv_node_cpu0(1) < 0)
		ksft_exit_skip("needs two host NUMA nodes with CPUs\n");
	/* Node 1 must be able to take pages: move one there and back. */
	probe = aligned_alloc(4096, 4096);
	memset(probe, 1, 4096);
	status = 1;
	if (syscall(__NR_move_pages, 0, 1, &probe, &status, &status,
		    MPOL_MF_MOVE) < 0 || status != 1)
		ksft_exit_skip("cannot move pages to node 1: %s\n", strerror(errno));
	free(probe);

	signal(SIGALRM, timeout);
	alarm(600);
	sigaction(SIGUSR1, &sa, NULL);
	ksft_set_plan(8);

	kvm_pin_this_task_to_pcpu(xpv_node_cpu0(0));
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, XPV_GPA, XPV_SLOT,
				    XPV_PAGES, 0);
	virt_map(vm, XPV_GPA, XPV_GPA, XPV_PAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, MEM_GPA, MEM_SLOT,
				    MEM_PAGES, 0);
	virt_map(vm, MEM_GPA, MEM_GPA, MEM_PAGES);
	vm_install_exception_handler(vm, XPV_VECTOR, guest_xpv_isr);
	pthread_create(&thread, NULL, vcpu_thread, NULL);

	test_first_touch();
	test_move_half();
	test_burst();
	test_stats();
	test_memslots();
	test_publisher_stopped(thread);

	ksft_print_msg("stats: %lu memory updates, %lu chunks changed, %lu looked up\n",
		       vm_get_stat(vm, "xpv_mem_updates"),
		       vm_get_stat(vm, "xpv_mem_chunks"), lookups());
	ksft_print_msg("stats: %lu lookups put off while an invalidation ran\n",
		       vm_get_stat(vm, "xpv_mem_deferred"));
	ksft_print_msg("stats: %lu notifications, %lu coalesced\n",
		       vm_get_stat(vm, "xpv_notifications"),
		       vm_get_stat(vm, "xpv_coalesced"));
	del_extra(1);
	kvm_vm_free(vm);
	ksft_finished();
}
