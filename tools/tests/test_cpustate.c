// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/cpustate.c: QEMU's "info registers -a" as the lab's
 * death reports read it, System.map lookups, and QMP event waits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "cpustate.h"
#include "qmp.h"
#include "runner.h"

/* QEMU 7.2's x86 dump (target/i386/cpu-dump.c), two CPUs, cut short. */
static const char dump[] =
	"\r\nCPU#0\r\n"
	"RAX=0000000000000000 RBX=ffffffff82a0c940 RCX=0000000000000001 RDX=0000000000012c5d\r\n"
	"RSI=0000000000000083 RDI=0000000000012c5c RBP=0000000000000000 RSP=ffffffff82a03e80\r\n"
	"R8 =0000000000000001 R9 =0000000000000000 R10=0000000000000001 R11=0000000000000000\r\n"
	"RIP=ffffffff81f2c6ab RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
	"ES =0000 0000000000000000 00000000 00000000\r\n"
	"CR0=80050033 CR2=00007f1c2a3b4000 CR3=0000000102c2e000 CR4=00751ef0\r\n"
	"DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000\r\n"
	"EFER=0000000000001d01\r\n"
	"\r\nCPU#1\r\n"
	"RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000000 RDX=0000000000000000\r\n"
	"RSI=0000000000000000 RDI=0000000000000000 RBP=00007ffd5e2b1f30 RSP=00007ffd5e2b1f10\r\n"
	"RIP=0000000000401a2c RFL=00000202 [-------] CPL=3 II=0 A20=1 SMM=0 HLT=0\r\n"
	"CR0=80050033 CR2=0000000000000000 CR3=0000000104d5a000 CR4=00750ef0\r\n";

TEST(parses_each_cpu)
{
	struct cpu_regs c[4];
	int n = cpustate_parse(dump, c, 4);

	CHECK(n == 2);
	CHECK(c[0].index == 0 && c[0].has_rip && c[0].rip == 0xffffffff81f2c6abULL);
	CHECK(c[0].cpl == 0 && c[0].hlt == 1);
	CHECK(c[0].rsp == 0xffffffff82a03e80ULL);
	CHECK(c[0].cr2 == 0x7f1c2a3b4000ULL && c[0].cr3 == 0x102c2e000ULL);
	CHECK(c[0].cr4 == 0x751ef0 && c[0].efer == 0x1d01);
	/* "RIP" inside another name (no such register today) is not RIP */
	CHECK(c[1].index == 1 && c[1].rip == 0x401a2c && c[1].cpl == 3 && c[1].hlt == 0);
	CHECK(cpustate_parse(dump, c, 1) == 1);
	CHECK(cpustate_parse("no registers here\n", c, 4) == 0);
}

TEST(one_cpu_without_header_and_32_bit)
{
	static const char one[] =
		"EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
		"ESI=00000000 EDI=00000000 EBP=00000000 ESP=00006f00\n"
		"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n";
	struct cpu_regs c[2];

	CHECK(cpustate_parse(one, c, 2) == 1);
	CHECK(c[0].has_rip && c[0].rip == 0xfff0 && c[0].rsp == 0x6f00);
}

TEST(json_strings)
{
	char out[64];

	CHECK(json_unescape("CPU#0\\r\\nRIP=1 \\\"q\\\" \\u0041\\u00e9\"tail", out,
			    sizeof(out)) == strlen("CPU#0\r\nRIP=1 \"q\" A?"));
	CHECK(!strcmp(out, "CPU#0\r\nRIP=1 \"q\" A?"));
	CHECK(json_unescape("abcdef\"", out, 4) == 3 && !strcmp(out, "abc"));
	CHECK(json_unescape("\\u00", out, sizeof(out)) == 3 && !strcmp(out, "?00"));	/* cut short */
}

TEST(symbols)
{
	static const char map[] =
		"0000000000000000 D __per_cpu_start\n"
		"0000000000001000 D cpu_debug_store\n"
		"ffffffff81000000 T _text\n"
		"ffffffff81000000 T startup_64\n"
		"ffffffff81f2c680 T default_idle\n"
		"ffffffff81f2c6c0 T default_idle_call\n"
		"ffffffff82000000 a some_absolute\n"
		"ffffffff83a00000 B _end\n";
	char path[] = "/tmp/xpv-test-map-XXXXXX";
	unsigned long long off = 0;
	struct symmap m;
	const char *s;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, map, strlen(map)) == (ssize_t)strlen(map));
	close(fd);
	CHECK(symmap_load(&m, path) == 0);
	s = symmap_lookup(&m, 0xffffffff81f2c6abULL, &off);
	CHECK(s && !strcmp(s, "default_idle") && off == 0x2b);
	s = symmap_lookup(&m, 0xffffffff81f2c6c0ULL, &off);
	CHECK(s && !strcmp(s, "default_idle_call") && off == 0);
	/* user space, per-CPU offsets, modules past _end: no kernel symbol */
	CHECK(!symmap_lookup(&m, 0x401a2c, &off));
	CHECK(!symmap_lookup(&m, 0x1000, &off));
	CHECK(!symmap_lookup(&m, 0xffffffffc0001000ULL, &off));
	symmap_free(&m);
	/* a file that is no System.map is refused */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "hello\n", 6) == 6);
	close(fd);
	CHECK(symmap_load(&m, path) == -1);
	unlink(path);
	CHECK(symmap_load(&m, "/nonexistent/System.map") == -1);
}

/* qmp_event: events in order, replies skipped, a timeout, then EOF. */
TEST(qmp_events)
{
	static const char greeting[] = "{\"QMP\": {\"capabilities\": []}}\n";
	static const char stop[] = "{\"event\": \"STOP\"}\n{\"return\": {}}\n";
	static const char later[] =
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
		"\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static struct qmp q;
	char path[108], buf[256];
	int s, c;
	pid_t pid;

	snprintf(path, sizeof(path), "/tmp/xpv-test-ev-%d.sock", getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && !bind(s, (struct sockaddr *)&sa, sizeof(sa)) && !listen(s, 1));
	pid = fork();
	if (!pid) {
		c = accept(s, NULL, NULL);
		if (write(c, greeting, strlen(greeting)) < 0 ||
		    read(c, buf, sizeof(buf)) <= 0 ||
		    write(c, "{\"return\": {}}\n", 15) < 0 ||
		    write(c, stop, strlen(stop)) < 0)
			_exit(1);
		usleep(300000);
		if (write(c, later, strlen(later)) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(s);
	CHECK(qmp_open(&q, path) == 0);
	CHECK(qmp_event(&q, 5000) == 0 && strstr(q.line, "\"STOP\""));
	CHECK(qmp_event(&q, 50) == 1);		/* nothing yet */
	CHECK(qmp_event(&q, -1) == 0 && strstr(q.line, "guest-reset"));
	CHECK(qmp_event(&q, -1) == -1);		/* QEMU went away */
	qmp_close(&q);
	waitpid(pid, NULL, 0);
	unlink(path);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return run_tests();
}
