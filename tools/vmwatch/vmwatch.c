// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-vmwatch: say how a VM died.  The lab runs every QEMU (L1 under TCG,
 * L2 under KVM in L1) with
 *
 *   -action reboot=shutdown,shutdown=pause,panic=pause -device pvpanic
 *
 * so that a reset, a triple fault, a panic or a poweroff leaves the VM
 * paused with its CPU state intact, and a QMP socket for this watcher:
 *
 *   xpv-vmwatch [-m SYSTEM.MAP] [-n NAME] [-w SECONDS] SOCKET
 *	Wait for the VM's end.  A poweroff prints "NAME powered off"; a
 *	reset or a panic prints "NAME died: ..." and each CPU's RIP,
 *	resolved to a kernel symbol with SYSTEM.MAP.  Then it quits QEMU.
 *	Exit status 0 after a poweroff or when QEMU went away (it was
 *	killed or quit by someone else: not a death of the guest's own),
 *	1 after a death, 2 on errors.
 *   xpv-vmwatch -r [-m SYSTEM.MAP] [-n NAME] [-s SAMPLES] SOCKET
 *	Where the CPUs are now (a hang): SAMPLES readings, 1 s apart.
 *
 * -o DUMP appends QEMU's whole register dumps ("info registers -a") to
 * the file DUMP.
 *
 * QEMU answers one monitor client per socket: give the watcher a -qmp
 * socket of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpustate.h"
#include "qmp.h"

static struct qmp q;
static struct symmap map;
static int have_map;
static const char *name = "VM";
static const char *dump_file;	/* -o: QEMU's whole register dumps */
static char text[QMP_LINE_MAX];

static int usage(void)
{
	fprintf(stderr,
		"usage: xpv-vmwatch [-m SYSTEM.MAP] [-n NAME] [-o DUMP] [-w SECONDS] SOCKET\n"
		"       xpv-vmwatch -r [-m SYSTEM.MAP] [-n NAME] [-o DUMP] [-s SAMPLES] SOCKET\n");
	return 2;
}

/* The string member @key of a QMP message, decoded into @out. */
static int member_str(const char *msg, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(msg, pat);
	if (!p) {
		snprintf(pat, sizeof(pat), "\"%s\":\"", key);
		p = strstr(msg, pat);
	}
	if (!p) {
		if (size)
			out[0] = '\0';
		return -1;
	}
	json_unescape(p + strlen(pat), out, size);
	return 0;
}

/* One line per CPU: where it is. */
static int print_cpus(const char *when)
{
	static const char cmd[] = "{\"execute\":\"human-monitor-command\","
		"\"arguments\":{\"command-line\":\"info registers -a\"}}";
	struct cpu_regs cpus[CPUSTATE_MAX_CPUS];
	unsigned long long off;
	const char *sym;
	int i, n, r;

	r = qmp_command(&q, cmd);
	if (r) {
		printf("%s: cannot read its registers: %s\n", name,
		       r < 0 ? q.err : q.line);
		return -1;
	}
	member_str(q.line, "return", text, sizeof(text));
	if (dump_file) {
		FILE *f = fopen(dump_file, "a");

		if (f) {
			fprintf(f, "=== %s %s\n%s\n", name, when, text);
			fclose(f);
		}
	}
	n = cpustate_parse(text, cpus, CPUSTATE_MAX_CPUS);
	if (!n) {
		printf("%s: no CPU state in the monitor's answer: %.200s\n",
		       name, text);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct cpu_regs *c = &cpus[i];

		if (!c->has_rip) {
			printf("%s %s: CPU %d: no RIP in the dump\n", name, when,
			       c->index);
			continue;
		}
		sym = have_map ? symmap_lookup(&map, c->rip, &off) : NULL;
		printf("%s %s: CPU %d at RIP %#llx", name, when, c->index, c->rip);
		if (sym)
			printf(" (%s+%#llx)", sym, off);
		else if (c->cpl == 3)
			printf(" (user space)");
		else if (have_map)
			printf(" (not in the kernel image)");
		printf(", CPL %d%s, RSP %#llx, CR2 %#llx, CR3 %#llx, CR4 %#llx, EFER %#llx\n",
		       c->cpl, c->hlt == 1 ? ", halted" : "", c->rsp, c->cr2,
		       c->cr3, c->cr4, c->efer);
	}
	return 0;
}

static void print_status(void)
{
	char status[64];

	if (qmp_command(&q, "{\"execute\":\"query-status\"}"))
		return;
	member_str(q.line, "status", status, sizeof(status));
	printf("%s: QEMU run state %s\n", name, status);
}

static int quit(void)
{
	/* QEMU closes the connection as it exits: no reply is fine. */
	qmp_command(&q, "{\"execute\":\"quit\"}");
	return 0;
}

/* Connect within @secs: the socket appears as QEMU starts. */
static int connect_within(const char *path, int secs)
{
	int tries = secs * 10;

	while (qmp_open(&q, path)) {
		if (--tries <= 0) {
			fprintf(stderr, "xpv-vmwatch: %s\n", q.err);
			return -1;
		}
		usleep(100000);
	}
	return 0;
}

/*
 * A panicking kernel calls the panic notifiers (pvpanic) before it
 * flushes its consoles: what it printed last may be only in its memory
 * yet.  Let it run on until it resets (panic=-1) or for PANIC_FLUSH_S,
 * so that its console says why it panicked.
 */
#define PANIC_FLUSH_S	30

static void flush_console(void)
{
	char event[64];
	int r;

	if (qmp_command(&q, "{\"execute\":\"cont\"}"))
		return;
	printf("%s: resumed it until it resets (at most %d s), to flush its console\n",
	       name, PANIC_FLUSH_S);
	fflush(stdout);
	do {
		r = qmp_event(&q, PANIC_FLUSH_S * 1000);
		if (r)
			return;
		member_str(q.line, "event", event, sizeof(event));
	} while (strcmp(event, "SHUTDOWN") && strcmp(event, "RESET"));
}

static int watch(void)
{
	char event[64], reason[64];
	int panicked;

	for (;;) {
		if (qmp_event(&q, -1))	/* QEMU exited: killed, or quit by its owner */
			return 0;
		member_str(q.line, "event", event, sizeof(event));
		panicked = 0;
		if (!strcmp(event, "SHUTDOWN")) {
			member_str(q.line, "reason", reason, sizeof(reason));
			if (!strcmp(reason, "guest-shutdown") ||
			    !strncmp(reason, "host-", 5)) {
				printf("%s powered off (%s)\n", name, reason);
				fflush(stdout);
				return quit();
			}
			/*
			 * guest-reset: a triple fault, or a reset the guest
			 * asked for (reboot, keyboard controller, port 0xcf9).
			 */
			printf("%s died: reset (%s): a triple fault, or a reboot it asked for\n",
			       name, reason);
		} else if (!strcmp(event, "GUEST_PANICKED")) {
			printf("%s died: kernel panic (pvpanic)\n", name);
			panicked = 1;
		} else if (!strcmp(event, "GUEST_CRASHLOADED")) {
			printf("%s died: kernel panic, crash kernel loaded\n", name);
		} else {
			continue;
		}
		print_status();
		print_cpus("at its death");
		fflush(stdout);
		if (panicked)
			flush_console();
		quit();
		return 1;
	}
}

int main(int argc, char **argv)
{
	const char *mapfile = NULL;
	int opt, regs = 0, samples = 3, wait = 60, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "m:n:o:w:rs:h")) != -1) {
		switch (opt) {
		case 'm': mapfile = optarg; break;
		case 'n': name = optarg; break;
		case 'o': dump_file = optarg; break;
		case 'w': wait = atoi(optarg); break;
		case 'r': regs = 1; break;
		case 's': samples = atoi(optarg); break;
		default: return usage();
		}
	}
	if (optind != argc - 1 || wait < 1 || samples < 1)
		return usage();
	if (mapfile) {
		if (symmap_load(&map, mapfile))
			fprintf(stderr, "xpv-vmwatch: %s: %s; RIPs stay unresolved\n",
				mapfile, strerror(errno));
		else
			have_map = 1;
	}
	if (connect_within(argv[optind], regs ? 5 : wait))
		return 2;
	if (!regs)
		return watch();
	print_status();
	for (i = 0; i < samples; i++) {
		char when[32];

		if (i)
			sleep(1);
		snprintf(when, sizeof(when), "sample %d", i + 1);
		if (print_cpus(when))
			return 2;
	}
	return 0;
}
