// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-faultbench: page-fault throughput, the page allocator's hot path
 * as a program sees it.
 *
 *   xpv-faultbench SECONDS MIB
 *
 * One thread per CPU this process may run on, each pinned to its CPU, maps MIB MiB of
 * anonymous memory (no transparent huge pages), writes one byte to each
 * page, unmaps it, and repeats for SECONDS.  Prints the pages faulted
 * in per second over all threads:
 *   XPVBENCH faults_per_s=<n> threads=<n> seconds=<s>
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double seconds;
static size_t bytes;
static long psize;

struct worker {
	pthread_t t;
	int cpu;
	unsigned long faults;
	int failed;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	double end = now() + seconds;
	cpu_set_t set;
	size_t off;
	char *p;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		w->failed = 1;
		return NULL;
	}
	while (now() < end) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			w->failed = 1;
			return NULL;
		}
		madvise(p, bytes, MADV_NOHUGEPAGE);
		for (off = 0; off < bytes; off += psize)
			p[off] = 1;
		munmap(p, bytes);
		w->faults += bytes / psize;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long total = 0;
	struct worker *w;
	cpu_set_t cpus;
	long n, i, cpu;
	double t;

	if (argc != 3 || atof(argv[1]) <= 0 || atol(argv[2]) <= 0) {
		fprintf(stderr, "usage: xpv-faultbench SECONDS MIB\n");
		return 2;
	}
	seconds = atof(argv[1]);
	bytes = (size_t)atol(argv[2]) << 20;
	psize = sysconf(_SC_PAGESIZE);
	if (sched_getaffinity(0, sizeof(cpus), &cpus)) {
		perror("xpv-faultbench: sched_getaffinity");
		return 1;
	}
	n = CPU_COUNT(&cpus);
	w = calloc(n, sizeof(*w));
	if (!w)
		return 1;
	for (i = 0, cpu = 0; i < n; cpu++)
		if (CPU_ISSET(cpu, &cpus))
			w[i++].cpu = cpu;
	t = now();
	for (i = 0; i < n; i++) {
		if (pthread_create(&w[i].t, NULL, run, &w[i])) {
			perror("xpv-faultbench: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].failed) {
			fprintf(stderr, "xpv-faultbench: thread on CPU %d failed\n",
				w[i].cpu);
			return 1;
		}
		total += w[i].faults;
	}
	t = now() - t;
	printf("XPVBENCH faults_per_s=%.0f threads=%ld seconds=%.1f\n",
	       total / t, n, t);
	return 0;
}
