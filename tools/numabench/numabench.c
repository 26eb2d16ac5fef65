// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-numabench: locality over time of a guest task's memory, by the
 * host's truth, after the host moves the task's vCPU or its memory.
 *
 * In the guest:
 *   xpv-numabench load TAG MIB SECONDS [CPU]
 *       print "XPVSYNC numabench TAG waiting" and wait for the host's
 *       go; write MIB MiB, then read it for SECONDS, pinned to guest
 *       CPU CPU if given.  Every 250 ms, publish where the buffer is:
 *       the guest-physical address of each page (from
 *       /proc/self/pagemap) and the CPU the task runs on, in the shared
 *       memory of the guest's ivshmem-plain device.  Prints "XPVSYNC
 *       numabench TAG loaded" once the first sample is out, and at the
 *       end "numabench TAG: read N MiB in S s, R MiB/s" (its
 *       throughput, reads after the first write).
 *
 * On the host, with the guest's QEMU process PID and the file SHM that
 * backs the ivshmem device:
 *   xpv-numabench go SHM
 *       let the guest's waiting load start
 *   xpv-numabench vcpu PID SHM VCPU NODE SECONDS [RANGE...]
 *       sample for 5 s, move the thread of vCPU VCPU to host node NODE
 *       (t = 0), sample SECONDS more
 *   xpv-numabench memory PID SHM SECONDS [RANGE...]
 *       sample for 5 s, move the buffer's pages to the host node the
 *       task's vCPU is not on (t = 0), sample SECONDS more
 *   xpv-numabench sample PID SHM SECONDS [RANGE...]
 *       sample SECONDS from now (t = 0), moving nothing: what others
 *       move meanwhile (make eval's vCPU load balancing)
 *
 * A RANGE GPA:SIZE:HVA says that SIZE bytes of guest RAM from GPA on are
 * at QEMU's virtual address HVA (QEMU's "gpa2hva"); without one, the
 * guest's RAM is QEMU's largest anonymous mapping, from GPA 0.
 *
 * Each sample prints "t,cpu,vcpu_node,pages,local,pct,node0,node1": its
 * time in seconds from the move, the guest CPU the task ran on, the host
 * node of that vCPU's thread, the buffer's pages found, those on that
 * node (and their percentage), and those on host nodes 0 and 1.  The
 * end prints "reached 95% at T s" or "never reached 95%" (after the
 * move; with sample, from the start).  Exit status
 * 0 if the samples came, 1 on an error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmram.h"

#define PAGE		4096UL
#define SAMPLE_MS	250
#define BEFORE_S	5
#define MAX_RANGES	8
#define MAX_PAGES	(1UL << 20)
#define BATCH		4096
#define MPOL_MF_MOVE	(1 << 1)
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110

/* The shared memory: a sample, written under an odd sequence count. */
struct sample {
	uint64_t seq;
	uint64_t go;		/* set by the host, taken by a load */
	uint64_t nr_pages;
	int32_t cpu;
	uint32_t pad;
	uint64_t gpa[];		/* 0: not present */
};

static void die(const char *what)
{
	fprintf(stderr, "xpv-numabench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "xpv-numabench: %s\n", what);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st))
		die(path);
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die(path);
	close(fd);
	*size = st.st_size;
	return p;
}

static unsigned int read_hex(const char *dir, const char *name)
{
	char path[512];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* The guest's side of the ivshmem device: its BAR 2, mapped. */
static struct sample *guest_shm(size_t *size)
{
	const char *base = "/sys/bus/pci/devices";
	char dir[512], path[600];
	struct dirent *d;
	FILE *enable;
	DIR *dh;

	dh = opendir(base);
	if (!dh)
		die(base);
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, d->d_name);
		if (read_hex(dir, "vendor") != IVSHMEM_VENDOR ||
		    read_hex(dir, "device") != IVSHMEM_DEVICE)
			continue;
		closedir(dh);
		/* with no driver bound, its memory decoding may be off */
		snprintf(path, sizeof(path), "%s/enable", dir);
		enable = fopen(path, "w");
		if (enable) {
			fputs("1", enable);
			fclose(enable);
		}
		snprintf(path, sizeof(path), "%s/resource2", dir);
		return map_file(path, size);
	}
	fail("no ivshmem-plain device (vendor 1af4, device 1110)");
	return NULL;
}

static void publish(struct sample *s, int pagemap, char *buf,
		    unsigned long n)
{
	unsigned long i;
	uint64_t e;

	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_SEQ_CST);
	s->cpu = sched_getcpu();
	/* one read for the whole buffer, converted in place */
	if (pread(pagemap, s->gpa, n * sizeof(e),
		  (uintptr_t)buf / PAGE * sizeof(e)) != (ssize_t)(n * sizeof(e)))
		die("/proc/self/pagemap");
	for (i = 0; i < n; i++) {
		e = s->gpa[i];
		/* present: bit 63; frame number: bits 0-54 */
		s->gpa[i] = e >> 63 ? (e & ((1ULL << 55) - 1)) * PAGE : 0;
	}
	s->nr_pages = n;
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_SEQ_CST);
}

static int load(int argc, char **argv)
{
	unsigned long mib, n, i;
	double end, next;
	volatile uint64_t sum = 0;
	double start, reads = 0;
	struct sample *s;
	size_t size;
	cpu_set_t set;
	int pagemap;
	char *buf;

	if (argc < 5)
		fail("usage: xpv-numabench load TAG MIB SECONDS [CPU]");
	mib = strtoul(argv[3], NULL, 0);
	n = mib << 20 >> 12;
	if (!mib || n > MAX_PAGES)
		fail("MIB: from 1 to 4096");
	if (argc > 5) {
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[5]), &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	s = guest_shm(&size);
	if (sizeof(*s) + n * sizeof(s->gpa[0]) > size)
		fail("the ivshmem region is too small for the buffer's page list");
	printf("XPVSYNC numabench %s waiting\n", argv[2]);
	fflush(stdout);
	while (!__atomic_exchange_n(&s->go, 0, __ATOMIC_SEQ_CST))
		usleep(100000);
	end = now() + strtoul(argv[4], NULL, 0);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0)
		die("/proc/self/pagemap");
	buf = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (i = 0; i < n; i++)
		memset(buf + i * PAGE, (int)i | 1, PAGE);
	publish(s, pagemap, buf, n);
	printf("XPVSYNC numabench %s loaded\n", argv[2]);
	fflush(stdout);
	start = now();
	next = start + SAMPLE_MS / 1000.0;
	while (now() < end) {
		for (i = 0; i < n * PAGE; i += 64)
			sum += buf[i];
		reads += mib;
		if (now() >= next) {
			publish(s, pagemap, buf, n);
			next = now() + SAMPLE_MS / 1000.0;
		}
	}
	printf("numabench %s: read %.0f MiB in %.1f s, %.1f MiB/s\n", argv[2],
	       reads, now() - start, reads / (now() - start));
	return 0;
}

/* The host's side: where guest RAM is in QEMU, and a copy of a sample. */
static struct range { uint64_t gpa, size, hva; } ranges[MAX_RANGES];
static int nr_ranges, qemu_pid;
static struct sample *shm, *copy;
static size_t shm_size;
static void *addr[BATCH];
static int status[BATCH], nodes[BATCH];

static void parse_ranges(int argc, char **argv)
{
	unsigned long start, size;
	int i;

	for (i = 0; i < argc; i++) {
		struct range *r = &ranges[nr_ranges];

		if (nr_ranges == MAX_RANGES ||
		    sscanf(argv[i], "%li:%li:%li", (long *)&r->gpa,
			   (long *)&r->size, (long *)&r->hva) != 3 || !r->size)
			fail("RANGE: GPA:SIZE:HVA, at most 8");
		nr_ranges++;
	}
	if (nr_ranges)
		return;
	errno = -vm_ram(qemu_pid, &start, &size);
	if (errno)
		die("the guest's RAM in QEMU's mappings");
	ranges[0] = (struct range){ 0, size, start };
	nr_ranges = 1;
}

static void *hva(uint64_t gpa)
{
	int i;

	for (i = 0; i < nr_ranges; i++)
		if (gpa >= ranges[i].gpa && gpa - ranges[i].gpa < ranges[i].size)
			return (void *)(uintptr_t)(ranges[i].hva + gpa - ranges[i].gpa);
	return NULL;
}

/* A consistent copy of the latest sample, or false if there is none yet. */
static bool take_sample(void)
{
	uint64_t seq, n;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		seq = __atomic_load_n(&shm->seq, __ATOMIC_SEQ_CST);
		if (!seq || seq & 1) {
			usleep(1000);
			continue;
		}
		n = shm->nr_pages;
		if (sizeof(*shm) + n * sizeof(shm->gpa[0]) > shm_size)
			fail("the guest's sample is larger than the shared memory");
		memcpy(copy, shm, sizeof(*shm) + n * sizeof(shm->gpa[0]));
		if (__atomic_load_n(&shm->seq, __ATOMIC_SEQ_CST) == seq &&
		    copy->nr_pages == n)
			return true;
	}
	return false;
}

/* The thread of QEMU's vCPU @vcpu ("CPU n/KVM"), or 0. */
static int vcpu_tid(int vcpu)
{
	char path[320], comm[64], want[32];
	struct dirent *d;
	int tid = 0;
	DIR *dh;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", qemu_pid);
	snprintf(want, sizeof(want), "CPU %d/KVM\n", vcpu);
	dh = opendir(path);
	if (!dh)
		die(path);
	while (!tid && (d = readdir(dh))) {
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", qemu_pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			tid = atoi(d->d_name);
		fclose(f);
	}
	closedir(dh);
	return tid;
}

static int cpu_node(int cpu)
{
	char path[64];
	int node;

	for (node = 0; node < 64; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d",
			 cpu, node);
		if (!access(path, F_OK))
			return node;
	}
	return -1;
}

/* The host node of the CPU thread @tid last ran on, or -1. */
static int thread_node(int tid)
{
	char path[64], line[1024], *p;
	int cpu = -1, field;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", qemu_pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;	/* the name may hold spaces */
	for (field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	if (p)
		cpu = atoi(p + 1);
	return cpu < 0 ? -1 : cpu_node(cpu);
}

/* Query (@node < 0) or move the copied sample's pages; count by node. */
static unsigned long pages_by_node(unsigned long on[2], int node)
{
	unsigned long i, n = 0, found = 0, j;

	on[0] = on[1] = 0;
	for (i = 0; i <= copy->nr_pages; i++) {
		if (i < copy->nr_pages) {
			void *a = copy->gpa[i] ? hva(copy->gpa[i]) : NULL;

			if (!a)
				continue;
			nodes[n] = node;
			addr[n++] = (void *)((uintptr_t)a & ~(PAGE - 1));
			if (n < BATCH)
				continue;
		}
		if (!n)
			break;
		if (syscall(__NR_move_pages, qemu_pid, n, addr,
			    node < 0 ? NULL : nodes, status,
			    node < 0 ? 0 : MPOL_MF_MOVE) < 0)
			die("move_pages");
		for (j = 0; j < n; j++) {
			found += status[j] >= 0;
			if (status[j] == 0 || status[j] == 1)
				on[status[j]]++;
		}
		n = 0;
	}
	return found;
}

/* Move vCPU @vcpu's thread to the CPUs of host node @node. */
static void move_vcpu_to(int vcpu, int node)
{
	cpu_set_t set;
	int cpu, tid;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu_node(cpu) == node)
			CPU_SET(cpu, &set);
	tid = vcpu_tid(vcpu);
	if (!tid || sched_setaffinity(tid, sizeof(set), &set))
		die("moving the vCPU thread");
}

/* Move the buffer to the host node its task's vCPU is not on. */
static void move_buffer_away(void)
{
	unsigned long on[2];
	int tid, vnode;

	tid = vcpu_tid(copy->cpu);
	vnode = tid ? thread_node(tid) : -1;
	if (vnode != 0 && vnode != 1)
		fail("the task's vCPU is on neither host node 0 nor 1");
	pages_by_node(on, !vnode);
	printf("# moved the buffer to node %d: %lu pages there, the task on vCPU %d (node %d)\n",
	       !vnode, on[!vnode], copy->cpu, vnode);
}

enum move { MOVE_NONE, MOVE_VCPU, MOVE_MEMORY };

static int watch(int argc, char **argv, enum move what)
{
	bool vcpu_move = what == MOVE_VCPU;
	int vcpu = 0, node = -1, tid, vnode, argi = 4;
	double move_at, end, next, t, reached = -1;
	unsigned long on[2], found, local;
	bool moved = false;
	long seconds;

	if (argc < (vcpu_move ? 7 : 5))
		fail("usage: xpv-numabench vcpu PID SHM VCPU NODE SECONDS [RANGE...] | "
		     "memory|sample PID SHM SECONDS [RANGE...]");
	qemu_pid = atoi(argv[2]);
	shm = map_file(argv[3], &shm_size);
	copy = malloc(shm_size);
	if (!copy)
		die("malloc");
	if (vcpu_move) {
		vcpu = atoi(argv[4]);
		node = atoi(argv[5]);
		argi = 6;
		if (node != 0 && node != 1)
			fail("NODE: 0 or 1");
	}
	seconds = strtol(argv[argi], NULL, 0);
	if (seconds <= 0)
		fail("SECONDS: more than 0");
	parse_ranges(argc - argi - 1, argv + argi + 1);
	if (!take_sample())
		fail("no sample from the guest in the shared memory");

	printf("t,cpu,vcpu_node,pages,local,pct,node0,node1\n");
	move_at = now() + (what == MOVE_NONE ? 0 : BEFORE_S);
	end = move_at + seconds;
	moved = what == MOVE_NONE;
	next = now();
	while ((t = now()) < end) {
		if (!moved && t >= move_at) {
			move_at = t;
			end = move_at + seconds;
			if (!take_sample())
				fail("no consistent sample at the move");
			if (vcpu_move)
				move_vcpu_to(vcpu, node);
			else
				move_buffer_away();
			moved = true;
			/* times stay from the move's start; it may take seconds */
			printf("# the move took %.1f s\n", now() - move_at);
			next = now();
			continue;
		}
		if (t < next) {
			usleep(((moved || next < move_at ? next : move_at) - t) * 1e6);
			continue;
		}
		next += 1.0;
		if (!take_sample())
			continue;
		tid = vcpu_tid(copy->cpu);
		vnode = tid ? thread_node(tid) : -1;
		found = pages_by_node(on, -1);
		local = vnode == 0 || vnode == 1 ? on[vnode] : 0;
		t = now() - move_at;
		printf("%.1f,%d,%d,%lu,%lu,%.1f,%lu,%lu\n", t, copy->cpu, vnode,
		       found, local, found ? 100.0 * local / found : 0.0, on[0], on[1]);
		fflush(stdout);
		if (moved && reached < 0 && found && local * 100 >= found * 95)
			reached = t;
	}
	if (reached >= 0)
		printf("reached 95%% at %.1f s\n", reached);
	else
		printf("never reached 95%% in %ld s\n", seconds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "load"))
		return load(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "go")) {
		shm = map_file(argv[2], &shm_size);
		if (shm_size < sizeof(*shm))
			fail("SHM: too small");
		__atomic_store_n(&shm->go, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "vcpu"))
		return watch(argc, argv, MOVE_VCPU);
	if (argc > 1 && !strcmp(argv[1], "memory"))
		return watch(argc, argv, MOVE_MEMORY);
	if (argc > 1 && !strcmp(argv[1], "sample"))
		return watch(argc, argv, MOVE_NONE);
	fail("usage: xpv-numabench load|go|vcpu|memory|sample ... (see the source's head)");
	return 1;
}
