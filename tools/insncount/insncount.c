// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-insncount: the code paths of the lab's cost model, between the
 * markers the xpv-insn TCG plugin counts (plugin.c), on guest CPU 0.
 *
 *   xpv-insncount fault SAMPLES     a write to a fresh anonymous page:
 *                                   the page fault, the allocation
 *   xpv-insncount vdso SAMPLES      xpv_version(), the vDSO read (libxpv)
 *   xpv-insncount getppid SAMPLES   getppid(), a system call, for scale
 *   xpv-insncount irq SAMPLES       XPV topology interrupts: counts them
 *                                   (the plugin, from the vector's entry to
 *                                   its iretq) while it waits, idle, for
 *                                   SAMPLES of them (/proc/vmstat
 *                                   xpv_interrupts), which the host sends
 *                                   as it moves vCPU 0 on the cue
 *                                   "XPVSYNC insncount irq ready"; exits
 *                                   1 when fewer came in IRQ_WAIT_S, its
 *                                   series and "done" line printed all
 *                                   the same
 *
 * Each sample is one window (start marker, the code, end marker); after
 * SAMPLES of them comes the end-of-series marker.  Prints "XPVSYNC
 * insncount MODE done SAMPLES" at the end.  Without the plugin the
 * markers are no-ops and nothing is counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "insnmark.h"
#include "xpv.h"

#define PAGE		4096UL
#define WARM_ROUNDS	2


static void die(const char *what)
{
	fprintf(stderr, "xpv-insncount: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *map(unsigned long n)
{
	char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* one page per fault: no transparent huge page */
	if (madvise(p, n * PAGE, MADV_NOHUGEPAGE))
		die("madvise");
	return p;
}

static void faults(unsigned long n)
{
	unsigned long i, r;
	char *p;

	/*
	 * Warm-up: the guest's allocator hands out the frames just freed,
	 * which the host has backed and mapped by now, so the measured
	 * faults exit to the host only by chance (outliers).
	 */
	for (r = 0; r < WARM_ROUNDS; r++) {
		p = map(n);
		for (i = 0; i < n; i++)
			p[i * PAGE] = 1;
		munmap(p, n * PAGE);
	}
	p = map(n);
	for (i = 0; i < n; i++) {
		MARK_START();
		*(volatile char *)(p + i * PAGE) = 1;
		MARK_END();
	}
	MARK_SERIES();
	munmap(p, n * PAGE);
}

/* /proc/vmstat's xpv_interrupts, or -1 */
static long xpv_interrupts(void)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, "xpv_interrupts")) {
			found = v;
			break;
		}
	if (f)
		fclose(f);
	return found;
}

#define IRQ_WAIT_S	240

/*
 * Wait, mostly idle, for @n topology interrupts, counted by the plugin.
 * Its series ends, and is printed, whether they came or not.
 */
static int irqs(unsigned long n)
{
	long v0, v;
	unsigned long polls;

	MARK_IRQ_ON();
	v0 = v = xpv_interrupts();
	if (v0 < 0) {
		MARK_IRQ_OFF();
		fprintf(stderr, "xpv-insncount: no xpv_interrupts in /proc/vmstat\n");
		return 1;
	}
	printf("XPVSYNC insncount irq ready\n");
	fflush(stdout);
	for (polls = 0; v >= 0 && v - v0 < (long)n && polls < IRQ_WAIT_S * 10;
	     polls++) {
		usleep(100000);
		v = xpv_interrupts();
	}
	MARK_IRQ_OFF();
	if (v - v0 < (long)n) {
		fprintf(stderr, "xpv-insncount: %ld topology interrupts in %d s, %lu wanted\n",
			v - v0, IRQ_WAIT_S, n);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	volatile uint64_t v = 0;

	if (argc != 3 || !(n = strtoul(argv[2], NULL, 0)) || n > (1UL << 20)) {
		fprintf(stderr, "usage: xpv-insncount fault|vdso|getppid|irq SAMPLES (1..1048576)\n");
		return 2;
	}
	if (insn_on_cpu0())
		die("sched_setaffinity");
	if (!strcmp(argv[1], "fault")) {
		faults(n);
	} else if (!strcmp(argv[1], "vdso")) {
		enum xpv_backend b = xpv_init(NULL);

		if (b != XPV_BACKEND_VDSO) {
			fprintf(stderr, "xpv-insncount: no XPV vDSO here (libxpv: %s)\n",
				xpv_backend_name(b));
			return 1;
		}
		for (i = 0; i < n; i++) {
			MARK_START();
			v += xpv_version();
			MARK_END();
		}
		MARK_SERIES();
	} else if (!strcmp(argv[1], "irq")) {
		/* named even when short: the plugin printed its series */
		if (irqs(n)) {
			printf("XPVSYNC insncount irq done %lu (short)\n", n);
			return 1;
		}
	} else if (!strcmp(argv[1], "getppid")) {
		for (i = 0; i < n; i++) {
			MARK_START();
			v += syscall(SYS_getppid);
			MARK_END();
		}
		MARK_SERIES();
	} else {
		fprintf(stderr, "xpv-insncount: no mode '%s'\n", argv[1]);
		return 2;
	}
	printf("XPVSYNC insncount %s done %lu\n", argv[1], n);
	return 0;
}
