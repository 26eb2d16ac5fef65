// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-guest-test: XPV checks that run inside a guest (L2 in the lab).
 * Results are lab lines ("XPVLAB ok L2: ..."); lines starting "XPVSYNC"
 * tell the host side (L1) where the test is, because only the host can
 * move vCPUs and only the host knows where they really are.
 *
 *   view                     print this guest's view of every CPU's pnode
 *                            and check that sysfs and the vDSO agree
 *   wait-move CPU PNODE SECS announce, then wait for CPU to move to PNODE:
 *                            the version goes up, poll() wakes, sysfs and
 *                            the vDSO report PNODE for CPU
 *   off                      XPV must be absent (booted with xpv=off)
 *   inactive SINCE           XPV went inactive (the host took no
 *                            registration at resume): the vDSO's version
 *                            moved on from SINCE, no CPU has a pnode (vDSO
 *                            and sysfs), and sysfs has no topology
 *                            (ENODATA)
 *   bench [N]                N calls of xpv_version() through the vDSO
 *                            against N getppid() system calls
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xpv.h"

static int failures;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("XPVLAB %s L2: ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("XPVLAB # L2: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The vDSO's answer on @cpu: its pnode, or -errno. */
static int vdso_pnode_on(unsigned int cpu)
{
	unsigned int c = ~0u, p = ~0u;
	int r;

	if (pin(cpu))
		return -errno;
	r = xpv_getnode(&c, &p);
	if (r)
		return r;
	return c == cpu ? (int)p : -EXDEV;
}

static int cmd_view(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	char line[512];
	int len, cpu, sys, vd, n = xpv_nr_pnodes();

	result(xpv_init(NULL) == XPV_BACKEND_VDSO,
	       "libxpv finds the XPV vDSO calls (backend %s)",
	       xpv_backend_name(xpv_init(NULL)));
	result(n > 0, "/sys/devices/system/xpv reports %d pnodes", n);
	result(xpv_version() > 0, "topology version %" PRIu64 " > 0",
	       xpv_version());
	len = snprintf(line, sizeof(line), "XPVSYNC view version=%" PRIu64,
		       xpv_version());
	for (cpu = 0; cpu < ncpus && len < (int)sizeof(line) - 32; cpu++) {
		sys = xpv_cpu_pnode(cpu);
		vd = vdso_pnode_on(cpu);
		result(sys >= 0 && sys == vd,
		       "cpu %d: sysfs and vDSO agree (sysfs %d, vDSO %d)", cpu,
		       sys, vd);
		len += snprintf(line + len, sizeof(line) - len, " cpu%d=%d",
				cpu, sys);
	}
	printf("%s\n", line);
	fflush(stdout);
	return failures;
}

static int cmd_wait_move(unsigned int cpu, int want, int secs)
{
	uint64_t v0 = xpv_version(), v = v0;
	int p0 = xpv_cpu_pnode(cpu), p = p0, woke = 0;
	double t0, t_wake = -1, deadline;
	int64_t r;

	pid_t spinner;

	/*
	 * Keep CPU busy: the host sees a vCPU move when the vCPU next runs,
	 * and an idle vCPU may sleep for a long time.
	 */
	spinner = fork();
	if (spinner == 0) {
		if (pin(cpu))
			_exit(1);
		for (;;)
			;
	}
	printf("XPVSYNC armed cpu=%u pnode=%d version=%" PRIu64 "\n", cpu, p0,
	       v0);
	fflush(stdout);
	t0 = now_s();
	deadline = t0 + secs;
	/* Each change wakes the poll(); wait until it is CPU's move. */
	while (p != want && now_s() < deadline) {
		r = xpv_wait_change(v, (int)((deadline - now_s()) * 1000) + 1);
		if (r <= 0)
			break;
		if (!woke) {
			woke = 1;
			t_wake = now_s() - t0;
		}
		v = r;
		p = xpv_cpu_pnode(cpu);
	}
	if (spinner > 0) {
		kill(spinner, SIGKILL);
		waitpid(spinner, NULL, 0);
	}
	result(woke, "poll() on sysfs version woke up (after %.2f s, bound %d s)",
	       t_wake, secs);
	result(v > v0, "topology version went up: %" PRIu64 " -> %" PRIu64,
	       v0, v);
	result(p == want, "sysfs: cpu %u moved from pnode %d to pnode %d (want %d) within %.2f s",
	       cpu, p0, p, want, now_s() - t0);
	p = vdso_pnode_on(cpu);
	result(p == want, "vDSO xpv_getnode() on cpu %u: pnode %d (want %d)",
	       cpu, p, want);
	result(xpv_version() == v || xpv_version() > v,
	       "vDSO xpv_version() %" PRIu64 " matches sysfs %" PRIu64,
	       xpv_version(), v);
	return failures;
}

static int cmd_off(void)
{
	unsigned int c, p;

	result(xpv_init(NULL) == XPV_BACKEND_NONE,
	       "no /sys/devices/system/xpv with xpv=off");
	result(xpv_version() == 0, "xpv_version() is 0");
	result(xpv_getnode(&c, &p) == -ENODEV, "xpv_getnode() says ENODEV");
	return failures;
}

static int cmd_inactive(uint64_t since)
{
	enum xpv_backend b = xpv_init(NULL);
	unsigned int c, p;
	char list[256];
	uint64_t v;
	int r;

	result(b == XPV_BACKEND_VDSO, "the XPV vDSO is there (backend %s)",
	       xpv_backend_name(b));
	v = xpv_version();
	result(v > since, "the version moved on from %" PRIu64 " (%" PRIu64 ")",
	       since, v);
	r = xpv_getnode(&c, &p);
	result(r == -ENODEV, "xpv_getnode() says ENODEV (%d: %s)", r,
	       strerror(-r));
	/* the kernel's side: every pnodeN/ there lists no CPU */
	for (p = 0; p < XPV_MAX_PNODES; p++) {
		r = xpv_pnode_cpulist(p, list, sizeof(list));
		if (r == -ENOENT)
			break;
		result(!r && !list[0], "pnode%u lists no CPU (%s)", p,
		       r ? strerror(-r) : list[0] ? list : "none");
	}
	result(p > 0, "XPV's sysfs still has its pnodeN directories (%u)", p);
	r = xpv_nr_pnodes();
	if (r >= 0)
		result(0, "sysfs nr_pnodes fails with ENODATA (it reads %d)", r);
	else
		result(r == -ENODATA, "sysfs nr_pnodes fails with ENODATA (%s)",
		       strerror(-r));
	return failures;
}

static int cmd_bench(long n)
{
	double t, ns_vdso, ns_sys;
	volatile uint64_t sink = 0;
	long i;

	if (xpv_init(NULL) != XPV_BACKEND_VDSO) {
		result(0, "bench needs the XPV vDSO (backend %s)",
		       xpv_backend_name(xpv_init(NULL)));
		return 1;
	}
	/* warm up both paths */
	for (i = 0; i < n / 100; i++) {
		sink += xpv_version();
		sink += syscall(SYS_getppid);
	}
	t = now_s();
	for (i = 0; i < n; i++)
		sink += xpv_version();
	ns_vdso = (now_s() - t) * 1e9 / n;
	t = now_s();
	for (i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	ns_sys = (now_s() - t) * 1e9 / n;
	diag("bench: %ld calls each: xpv_version() (vDSO) %.2f ns/call, getppid() %.2f ns/call, syscall/vDSO ratio %.1f",
	     n, ns_vdso, ns_sys, ns_sys / ns_vdso);
	printf("XPVBENCH vdso_ns=%.2f syscall_ns=%.2f ratio=%.1f\n", ns_vdso,
	       ns_sys, ns_sys / ns_vdso);
	result(1, "vDSO benchmark ran (%ld calls each)", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "view"))
		return cmd_view() ? 1 : 0;
	if (argc == 5 && !strcmp(argv[1], "wait-move"))
		return cmd_wait_move(atoi(argv[2]), atoi(argv[3]), atoi(argv[4])) ? 1 : 0;
	if (argc == 2 && !strcmp(argv[1], "off"))
		return cmd_off() ? 1 : 0;
	if (argc == 3 && !strcmp(argv[1], "inactive"))
		return cmd_inactive(strtoull(argv[2], NULL, 10)) ? 1 : 0;
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return cmd_bench(argc > 2 ? atol(argv[2]) : 10000000L);
	fprintf(stderr, "usage: xpv-guest-test view | wait-move CPU PNODE SECS | off | inactive SINCE | bench [N]\n");
	return 2;
}
