// SPDX-License-Identifier: GPL-2.0-only
/*
 * XPV: the host against a hostile guest and a busy VMM.
 *
 * 1. Every vCPU of a VM writes "rounds" random values to every XPV MSR:
 *    areas at memslot edges, in MMIO, beyond memory, unaligned, with
 *    reserved bits; sizes from 0 to huge; every vector 0-255 and beyond;
 *    acknowledgments of versions past, present and future.  Meanwhile host
 *    threads move the vCPU threads between host nodes (publishes), add,
 *    move and delete a memslot the guest registers areas in, and read the
 *    area's version, which must never go backwards; a vCPU is hot-added
 *    half-way.  Values that no state makes valid must fault, and a valid
 *    registration must work afterwards.
 * 2. A VM is destroyed by its VMM in the middle of a publish storm (vCPUs
 *    moving between nodes, guest memory moving between nodes, the guest
 *    faulting memory in).
 * 3. The same, in a child process that is SIGKILLed.
 *
 * The host must stay healthy: the lab checks its console for warnings,
 * lockdep and KASAN reports after the run.  Needs a host with two NUMA
 * nodes that have CPUs.
 */
#include <asm/kvm_para.h>
#include <asm/kvm_xpv.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
/* The memslot the VMM adds, moves and deletes, at one GPA or the other. */
#define FLAP_GPA	0xd0000000ULL
#define FLAP_GPA2	0xd8000000ULL
#define FLAP_SLOT	20
#define FLAP_SIZE	(64 * 4096ULL)
/* Guest memory that the storms fault in and move between nodes. */
#define MEM_GPA		0x100000000ULL
#define MEM_SLOT	11
#define MEM_PAGES	1024
#define NR_VCPUS	4		/* and one hot-added */
#define MAX_VCPUS	(NR_VCPUS + 1)
/* Values per MSR and vCPU: 10^4 per MSR over the first NR_VCPUS (-r) */
static uint32_t rounds = 2500;
#define STORM_MS	400

static const uint32_t msrs[] = {
	MSR_KVM_XPV_AREA, MSR_KVM_XPV_SIZE, MSR_KVM_XPV_VECTOR,
	MSR_KVM_XPV_ACK, MSR_KVM_XPV_LIMITS,
};

#define NR_MSRS		ARRAY_SIZE(msrs)

/* Per vCPU and MSR: writes taken and writes refused, for the report. */
static uint64_t taken[MAX_VCPUS][NR_MSRS];
static uint64_t refused[MAX_VCPUS][NR_MSRS];
static uint64_t irqs[MAX_VCPUS];

static struct kvm_xpv_header *const area = (void *)XPV_GPA;

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void guest_isr(struct ex_regs *regs)
{
	uint32_t id = x2apic_read_reg(APIC_ID);

	if (id < MAX_VCPUS)
		WRITE_ONCE(irqs[id], irqs[id] + 1);
	x2apic_write_reg(APIC_EOI, 0);
}

static uint64_t pick_area(uint64_t r)
{
	static const uint64_t gpas[] = {
		XPV_GPA, XPV_GPA + 4096, XPV_GPA + XPV_SIZE - 4096,
		XPV_GPA + XPV_SIZE, XPV_GPA - 4096,
		FLAP_GPA, FLAP_GPA + FLAP_SIZE - 4096, FLAP_GPA2,
		FLAP_GPA2 + FLAP_SIZE,
		0xfee00000ULL, 0xfec00000ULL, 0xe0000000ULL,
		1ULL << 40, (1ULL << 52) - 4096, -4096ULL,
	};
	uint64_t v = gpas[r % ARRAY_SIZE(gpas)];

	switch ((r >> 8) % 8) {
	case 0:
		return 0;				/* unregister */
	case 1:
		return r;				/* anything */
	case 2:
		return v | ((r >> 16) & KVM_XPV_AREA_RESERVED) | 1;
	case 3:
		return (v + ((r >> 16) % 4096)) | 1;	/* unaligned */
	default:
		return v | KVM_XPV_AREA_ENABLE;
	}
}

static uint64_t pick_size(uint64_t r, uint64_t limits)
{
	uint64_t max = (uint64_t)KVM_XPV_LIMITS_MAX_PAGES(limits) * 4096;
	const uint64_t sizes[] = {
		0, 1, 4095, 4096, 4097, XPV_SIZE, XPV_SIZE + 4096, FLAP_SIZE,
		max, max + 4096, 1ULL << 40, -4096ULL, -1ULL,
	};

	return (r >> 8) % 4 ? sizes[r % ARRAY_SIZE(sizes)] : r;
}

static uint64_t pick_ack(uint64_t r)
{
	uint64_t v = READ_ONCE(area->version);

	switch (r % 6) {
	case 0:
		return v - 1;
	case 1:
		return v + 1;
	case 2:
		return 0;
	case 3:
		return -1ULL;
	case 4:
		return r >> 8;
	default:
		return v;
	}
}

/* Faults whatever the VM's state: nothing makes such a value valid. */
static bool never_valid(uint32_t msr, uint64_t v, uint64_t limits)
{
	switch (msr) {
	case MSR_KVM_XPV_LIMITS:
		return true;
	case MSR_KVM_XPV_VECTOR:
		return v < KVM_XPV_VECTOR_MIN || v > KVM_XPV_VECTOR_MASK;
	case MSR_KVM_XPV_SIZE:
		return !v || v % 4096 ||
		       v > (uint64_t)KVM_XPV_LIMITS_MAX_PAGES(limits) * 4096;
	case MSR_KVM_XPV_AREA:
		return v & KVM_XPV_AREA_RESERVED;
	case MSR_KVM_XPV_ACK:
		return v == -1ULL;
	}
	return false;
}

static void guest_code(void)
{
	uint64_t limits = rdmsr(MSR_KVM_XPV_LIMITS), s, r, v, got;
	uint32_t id, m;
	uint8_t vec;
	int i;

	x2apic_enable();
	id = x2apic_read_reg(APIC_ID);
	GUEST_ASSERT(id < MAX_VCPUS);
	s = 0x9e3779b97f4a7c15ULL * (id + 1);
	for (i = 0; i < rounds * NR_MSRS; i++) {
		m = i % NR_MSRS;
		r = rnd(&s);
		switch (msrs[m]) {
		case MSR_KVM_XPV_AREA:
			v = pick_area(r);
			break;
		case MSR_KVM_XPV_SIZE:
			v = pick_size(r, limits);
			break;
		case MSR_KVM_XPV_VECTOR:
			v = (r >> 8) % 8 ? r % 256 : r;
			break;
		case MSR_KVM_XPV_ACK:
			v = pick_ack(r);
			break;
		default:
			v = r;
		}
		vec = wrmsr_safe(msrs[m], v);
		__GUEST_ASSERT(!vec || vec == GP_VECTOR,
			       "vCPU %u: MSR %#x <- %#lx raised vector %u",
			       id, msrs[m], v, vec);
		__GUEST_ASSERT(vec || !never_valid(msrs[m], v, limits),
			       "vCPU %u: MSR %#x took %#lx", id, msrs[m], v);
		if (vec)
			refused[id][m]++;
		else
			taken[id][m]++;
		/*
		 * Reads never fault, whatever was written.  One write in
		 * four is read back (4 and NR_MSRS are coprime: every MSR
		 * is read in every state): each read is an exit, and exits
		 * are what makes the test slow under emulation.
		 */
		__GUEST_ASSERT(i % 4 || !rdmsr_safe(msrs[m], &got),
			       "vCPU %u: reading MSR %#x faulted", id, msrs[m]);
		if (!(i % 16))
			__asm__ __volatile__("sti; nop; cli" ::: "memory");
	}
	/* The host waits for every vCPU here, then lets vCPU 0 go on. */
	GUEST_SYNC(1);
	if (id) {
		GUEST_DONE();
		return;
	}
	/* A valid registration still works, and is notified. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA, 0), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_VECTOR, XPV_VECTOR), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_SIZE, XPV_SIZE), 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_XPV_AREA,
				   XPV_GPA | KVM_XPV_AREA_ENABLE), 0);
	GUEST_ASSERT_EQ(READ_ONCE(area->magic), KVM_XPV_MAGIC);
	GUEST_ASSERT(READ_ONCE(area->nr_vcpus) >= MAX_VCPUS);
	v = irqs[0];
	for (i = 0; i < 1000000 && READ_ONCE(irqs[0]) == v; i++)
		__asm__ __volatile__("sti; nop; cli" ::: "memory");
	__GUEST_ASSERT(READ_ONCE(irqs[0]) != v,
		       "no notification of the registration in %d tries", i);
	GUEST_DONE();
}

static struct kvm_vm *vm;
static struct kvm_vcpu *vcpus[MAX_VCPUS];
static pid_t tids[MAX_VCPUS];
static pthread_barrier_t all_synced;
static int storm_over;		/* vCPUs that ended their MSR storm */
static bool done;
static int node_cpu[2];

static void wake(int sig)
{
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *v = arg;
	struct ucall uc;

	WRITE_ONCE(tids[v->id], syscall(SYS_gettid));
	for (;;) {
		if (__vcpu_run(v)) {
			TEST_ASSERT(errno == EINTR, "vCPU %u: KVM_RUN: %s",
				    v->id, strerror(errno));
			if (READ_ONCE(done))
				return NULL;
			continue;
		}
		switch (get_ucall(v, &uc)) {
		case UCALL_SYNC:
			__atomic_add_fetch(&storm_over, 1, __ATOMIC_RELAXED);
			pthread_barrier_wait(&all_synced);
			break;
		case UCALL_DONE:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("vCPU %u left the guest: exit reason %u (%s)",
				  v->id, v->run->exit_reason,
				  exit_reason_str(v->run->exit_reason));
		}
	}
}

/* Move each vCPU thread to the other host node, over and over. */
static void *mover_thread(void *arg)
{
	unsigned long moves = 0;
	cpu_set_t set;
	int i;

	while (!READ_ONCE(done)) {
		for (i = 0; i < MAX_VCPUS; i++) {
			pid_t tid = READ_ONCE(tids[i]);

			if (!tid)
				continue;
			CPU_ZERO(&set);
			CPU_SET(node_cpu[(moves + i) % 2], &set);
			/* A thread that has exited is no error. */
			sched_setaffinity(tid, sizeof(set), &set);
		}
		moves++;
		usleep(1000);
	}
	return (void *)moves;
}

static int set_flap(void *mem, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = FLAP_SLOT,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)mem,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/*
 * Add, move and delete a memslot.  Straight ioctls: the library's memslot
 * list is not to be changed while the vCPU threads read it.
 */
static void *memslot_thread(void *arg)
{
	void *mem = mmap(NULL, FLAP_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long cycles = 0;

	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	while (!READ_ONCE(done)) {
		TEST_ASSERT(!set_flap(mem, FLAP_GPA, FLAP_SIZE),
			    "adding the memslot: %s", strerror(errno));
		usleep(2000);
		TEST_ASSERT(!set_flap(mem, FLAP_GPA2, FLAP_SIZE),
			    "moving the memslot: %s", strerror(errno));
		usleep(2000);
		TEST_ASSERT(!set_flap(mem, FLAP_GPA2, 0),
			    "deleting the memslot: %s", strerror(errno));
		usleep(1000);
		cycles++;
	}
	munmap(mem, FLAP_SIZE);
	return (void *)cycles;
}

static void start_vcpu(pthread_t *thread, int i)
{
	pthread_create(thread, NULL, vcpu_thread, vcpus[i]);
}

/* One look at the area's version from the VMM: 1 if there was one. */
static int sample_version(const struct kvm_xpv_header *h, uint64_t *last,
			  unsigned long *backwards)
{
	struct kvm_xpv_header copy;

	if (!xpv_host_copy(h, &copy, sizeof(copy)) ||
	    copy.magic != KVM_XPV_MAGIC)
		return 0;
	if (copy.version < *last) {
		ksft_print_msg("version %llu after %lu\n",
			       (unsigned long long)copy.version, *last);
		(*backwards)++;
	}
	*last = copy.version > *last ? copy.version : *last;
	return 1;
}

static void test_msrs(void)
{
	const struct kvm_xpv_header *h;
	pthread_t threads[MAX_VCPUS], mover, slots;
	uint64_t last = 0, sum_taken[NR_MSRS] = {}, sum_refused[NR_MSRS] = {};
	unsigned long samples = 0, backwards = 0;
	void *moves, *cycles;
	int i, m;

	vm = vm_create_with_vcpus(NR_VCPUS, guest_code, vcpus);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, XPV_GPA, XPV_SLOT,
				    XPV_PAGES, 0);
	virt_map(vm, XPV_GPA, XPV_GPA, XPV_PAGES);
	sync_global_to_guest(vm, rounds);
	for (i = KVM_XPV_VECTOR_MIN; i < 256; i++)
		vm_install_exception_handler(vm, i, guest_isr);
	h = addr_gpa2hva(vm, XPV_GPA);
	/* The first NR_VCPUS, then the hot-added one. */
	pthread_barrier_init(&all_synced, NULL, MAX_VCPUS);

	for (i = 0; i < NR_VCPUS; i++)
		start_vcpu(&threads[i], i);
	pthread_create(&mover, NULL, mover_thread, NULL);
	pthread_create(&slots, NULL, memslot_thread, NULL);

	/*
	 * The area's version, as the VMM reads it, never goes backwards:
	 * sampled for as long as the storm lasts (it takes seconds to
	 * minutes, by the host's speed), and once after it, when vCPU 0
	 * has registered a valid area at XPV_GPA.  At most 10 minutes.
	 */
	for (i = 0; i < 400 ||
	     (READ_ONCE(storm_over) < MAX_VCPUS && i < 120000); i++) {
		if (i == 100) {
			vcpus[NR_VCPUS] = vm_vcpu_add(vm, NR_VCPUS, guest_code);
			start_vcpu(&threads[NR_VCPUS], NR_VCPUS);
		}
		samples += sample_version(h, &last, &backwards);
		usleep(5000);
	}
	for (i = 0; i < MAX_VCPUS; i++)
		pthread_join(threads[i], NULL);
	ksft_print_msg("version sampled %lu times during the storm\n", samples);
	samples += sample_version(h, &last, &backwards);
	WRITE_ONCE(done, true);
	pthread_join(mover, &moves);
	pthread_join(slots, &cycles);
	WRITE_ONCE(done, false);

	sync_global_from_guest(vm, taken);
	sync_global_from_guest(vm, refused);
	sync_global_from_guest(vm, irqs);
	for (i = 0; i < MAX_VCPUS; i++)
		for (m = 0; m < NR_MSRS; m++) {
			sum_taken[m] += taken[i][m];
			sum_refused[m] += refused[i][m];
		}
	for (m = 0; m < NR_MSRS; m++)
		ksft_print_msg("MSR %#x: %lu values taken, %lu refused\n",
			       msrs[m], sum_taken[m], sum_refused[m]);
	ksft_print_msg("host: %lu vCPU moves, %lu memslot add/move/delete cycles\n",
		       (unsigned long)moves, (unsigned long)cycles);
	ksft_print_msg("guest: %lu notifications taken\n",
		       irqs[0] + irqs[1] + irqs[2] + irqs[3] + irqs[4]);
	ksft_print_msg("stats: %lu updates, %lu notifications, %lu coalesced\n",
		       vm_get_stat(vm, "xpv_updates"),
		       vm_get_stat(vm, "xpv_notifications"),
		       vm_get_stat(vm, "xpv_coalesced"));
	for (m = 0; m < NR_MSRS; m++)
		TEST_ASSERT(sum_taken[m] + sum_refused[m] >= NR_VCPUS * rounds,
			    "MSR %#x: %lu values, %u wanted", msrs[m],
			    sum_taken[m] + sum_refused[m], NR_VCPUS * rounds);
	ksft_test_result(!backwards && samples,
			 "%u vCPUs wrote %u random values to each XPV MSR while the host moved them and flapped a memslot; the version never went back (%lu samples, last %lu)\n",
			 MAX_VCPUS, MAX_VCPUS * rounds, samples, last);
	kvm_vm_free(vm);
	memset(tids, 0, sizeof(tids));
}

/* The storms' guest: registers, then faults memory in, over and over. */
static void guest_storm(void)
{
	uint8_t *mem = (void *)MEM_GPA;
	uint64_t i;

	x2apic_enable();
	if (!x2apic_read_reg(APIC_ID)) {
		wrmsr(MSR_KVM_XPV_VECTOR, XPV_VECTOR);
		wrmsr(MSR_KVM_XPV_SIZE, XPV_SIZE);
		wrmsr(MSR_KVM_XPV_AREA, XPV_GPA | KVM_XPV_AREA_ENABLE);
	}
	for (i = 0;; i++) {
		WRITE_ONCE(mem[(i * 4096) % (MEM_PAGES * 4096ULL)], i);
		if (!(i % 64))
			__asm__ __volatile__("sti; nop; cli" ::: "memory");
	}
}

/* Move the storm's memory between the nodes, over and over. */
static void *page_mover_thread(void *arg)
{
	static void *pages[MEM_PAGES];
	static int nodes[MEM_PAGES], status[MEM_PAGES];
	uint8_t *hva = arg;
	unsigned long round;
	int i;

	for (round = 0; !READ_ONCE(done); round++) {
		for (i = 0; i < MEM_PAGES; i++) {
			pages[i] = hva + i * 4096ULL;
			nodes[i] = round % 2;
		}
		/* Pages not faulted in yet, or gone with the VM: no error. */
		syscall(__NR_move_pages, 0, MEM_PAGES, pages, nodes, status,
			MPOL_MF_MOVE);
	}
	return NULL;
}

/*
 * A VM in a publish storm: vCPUs and memory moving between the nodes.
 * Returns once it has stormed for @ms; the threads go on.
 */
static void storm_start(int ms, pthread_t *threads, pthread_t *mover,
			pthread_t *pages)
{
	int i;

	vm = vm_create_with_vcpus(2, guest_storm, vcpus);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, XPV_GPA, XPV_SLOT,
				    XPV_PAGES, 0);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, MEM_GPA, MEM_SLOT,
				    MEM_PAGES, 0);
	virt_map(vm, MEM_GPA, MEM_GPA, MEM_PAGES);
	vm_install_exception_handler(vm, XPV_VECTOR, guest_isr);
	for (i = 0; i < 2; i++)
		start_vcpu(&threads[i], i);
	pthread_create(mover, NULL, mover_thread, NULL);
	pthread_create(pages, NULL, page_mover_thread,
		       addr_gpa2hva(vm, MEM_GPA));
	usleep(ms * 1000);
}

/* The VMM destroys the VM in the middle of its storm. */
static void test_destroy_in_storm(void)
{
	pthread_t threads[2], mover, pages;
	uint64_t updates;
	int i;

	storm_start(STORM_MS, threads, &mover, &pages);
	updates = vm_get_stat(vm, "xpv_updates") +
		  vm_get_stat(vm, "xpv_mem_updates");
	WRITE_ONCE(done, true);
	for (i = 0; i < 2; i++) {
		vcpus[i]->run->immediate_exit = 1;
		pthread_kill(threads[i], SIGUSR1);
		pthread_join(threads[i], NULL);
	}
	/* The movers still run: the VM goes while it is being moved. */
	kvm_vm_free(vm);
	pthread_join(mover, NULL);
	pthread_join(pages, NULL);
	WRITE_ONCE(done, false);
	memset(tids, 0, sizeof(tids));
	ksft_print_msg("destroyed after %d ms and %lu updates\n", STORM_MS,
		       updates);
	ksft_test_result(updates > 0,
			 "the VMM destroyed a VM in a publish storm\n");
}

/* A VMM SIGKILLed in the middle of its VM's storm. */
static void test_sigkill_in_storm(void)
{
	pthread_t threads[2], mover, pages;
	int fds[2], status;
	char c = 0;
	pid_t pid;

	TEST_ASSERT(!pipe(fds), "pipe: %s", strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		storm_start(STORM_MS / 4, threads, &mover, &pages);
		TEST_ASSERT(write(fds[1], "x", 1) == 1, "pipe");
		for (;;)
			pause();
	}
	TEST_ASSERT(read(fds[0], &c, 1) == 1 && c == 'x',
		    "the storming child died before it stormed");
	usleep(STORM_MS * 1000);
	kill(pid, SIGKILL);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid: %s",
		    strerror(errno));
	close(fds[0]);
	close(fds[1]);
	ksft_test_result(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			 "a VMM SIGKILLed in its VM's publish storm (status %#x)\n",
			 status);
}

static void timeout(int sig)
{
	ksft_exit_fail_msg("timed out\n");
}

static void help(const char *name)
{
	printf("usage: %s [-r ROUNDS]\n"
	       " -r: random values each vCPU writes to each XPV MSR (default %u)\n",
	       name, rounds);
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = wake };
	int opt;

	while ((opt = getopt(argc, argv, "hr:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi_positive("Rounds", optarg);
			break;
		case 'h':
		default:
			help(argv[0]);
			exit(opt == 'h' ? 0 : 1);
		}
	}
	ksft_print_header();
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_XPV));
	node_cpu[0] = xpv_node_cpu0(0);
	node_cpu[1] = xpv_node_cpu0(1);
	if (node_cpu[0] < 0 || node_cpu[1] < 0)
		ksft_exit_skip("needs two host NUMA nodes with CPUs\n");
	signal(SIGALRM, timeout);
	alarm(900);
	sigaction(SIGUSR1, &sa, NULL);
	ksft_set_plan(3);

	test_msrs();
	test_destroy_in_storm();
	test_sigkill_in_storm();
	ksft_finished();
}
