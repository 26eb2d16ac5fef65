// SPDX-License-Identifier: GPL-2.0
/*
 * xpvctl: the XPV VMs of this host, their live topology, and placement
 * changes by name.
 *
 *   xpvctl list                  XPV VMs (QEMU processes with kvm-xpv=on)
 *   xpvctl show VM [--json]      the topology KVM publishes to VM
 *   xpvctl vcpu VM VCPU NODE     run vCPU VCPU's thread on host node NODE
 *                                (through virsh vcpupin for libvirt's VMs)
 *   xpvctl mem VM NODE           move VM's memory to host node NODE
 *
 * VM is a QEMU -name (its first part, or libvirt's guest=NAME) or a PID.
 * xpvctl talks to the VM's QMP monitor: the socket of its first -qmp option,
 * or, for a VM libvirt runs, through "virsh qemu-monitor-command".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qmp.h"

#define MAX_NODES	1024
#define CMDLINE_MAX	(64 * 1024)

struct vm {
	int pid;
	char name[256];
	char qmp[256];		/* -qmp unix:PATH, or "" */
	int libvirt;		/* -name guest=NAME: libvirt owns the monitor */
	int xpv;		/* kvm-xpv=on on the command line */
};

static struct qmp q;
static char reply[QMP_LINE_MAX];

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "xpvctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* Read /proc/PID/cmdline into @vm; 0 if it is a QEMU system emulator. */
static int read_vm(int pid, struct vm *vm)
{
	static char buf[CMDLINE_MAX];
	char path[64], *arg, *next, *end, *v;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	end = buf + n;
	v = strrchr(buf, '/');
	if (!n || strncmp(v ? v + 1 : buf, "qemu-system-", 12))
		return -1;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	snprintf(vm->name, sizeof(vm->name), "%d", pid);
	for (arg = buf; arg < end; arg = next) {
		next = arg + strlen(arg) + 1;
		if (strstr(arg, "kvm-xpv=on"))
			vm->xpv = 1;
		if (next >= end)
			break;
		if (!strcmp(arg, "-name")) {
			v = next;
			if (!strncmp(v, "guest=", 6)) {
				v += 6;
				vm->libvirt = 1;
			}
			snprintf(vm->name, sizeof(vm->name), "%.*s",
				 (int)strcspn(v, ","), v);
		} else if (!strcmp(arg, "-qmp") && !strncmp(next, "unix:", 5) &&
			   !vm->qmp[0]) {
			/*
			 * The first monitor: QEMU serves one client per
			 * socket, and a watcher may hold a later one.
			 */
			v = next + 5;
			snprintf(vm->qmp, sizeof(vm->qmp), "%.*s",
				 (int)strcspn(v, ","), v);
		}
	}
	return 0;
}

/* Every QEMU of this host, in PID order; calls @fn for each. */
static int for_each_vm(int (*fn)(struct vm *, void *), void *arg)
{
	struct dirent **ents;
	struct vm vm;
	int i, n, r = 0;

	n = scandir("/proc", &ents, NULL, versionsort);
	if (n < 0)
		die("cannot read /proc: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (!r && isdigit((unsigned char)ents[i]->d_name[0]) &&
		    !read_vm(atoi(ents[i]->d_name), &vm))
			r = fn(&vm, arg);
		free(ents[i]);
	}
	free(ents);
	return r;
}

struct find {
	const char *want;
	struct vm vm;
	int found;
};

static int match(struct vm *vm, void *arg)
{
	struct find *f = arg;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", vm->pid);
	if (strcmp(f->want, vm->name) && strcmp(f->want, pid))
		return 0;
	f->vm = *vm;
	f->found++;
	return 0;
}

static struct vm find_vm(const char *name)
{
	struct find f = { .want = name };

	for_each_vm(match, &f);
	if (!f.found)
		die("no VM named '%s' (see 'xpvctl list')", name);
	if (f.found > 1)
		die("more than one VM is named '%s': give its PID", name);
	if (!f.vm.xpv)
		die("VM '%s' does not have XPV (start it with -cpu ...,kvm-xpv=on)",
		    name);
	return f.vm;
}

/*
 * Run a QMP command on @vm; the reply goes to reply[].  NULL, or why it
 * failed.
 */
static const char *vm_try_qmp(const struct vm *vm, const char *json)
{
	static char why[QMP_LINE_MAX + 64];
	char cmd[1024];
	FILE *p;
	size_t n;
	int r;

	if (vm->qmp[0]) {
		if (qmp_open(&q, vm->qmp))
			return q.err;
		r = qmp_command(&q, json);
		snprintf(reply, sizeof(reply), "%s", r < 0 ? "" : q.line);
		if (r < 0)
			snprintf(why, sizeof(why), "%s", q.err);
		qmp_close(&q);
		if (r > 0)
			snprintf(why, sizeof(why), "QEMU says: %s", reply);
		return r ? why : NULL;
	}
	if (!vm->libvirt) {
		snprintf(why, sizeof(why),
			 "VM '%s' has no QMP socket (-qmp unix:PATH,server=on,wait=off) "
			 "and libvirt does not run it", vm->name);
		return why;
	}
	/* libvirt holds the monitor; ask it to pass the command on. */
	if (strchr(vm->name, '\'')) {
		snprintf(why, sizeof(why), "cannot pass the name '%s' to virsh",
			 vm->name);
		return why;
	}
	snprintf(cmd, sizeof(cmd), "virsh -q qemu-monitor-command '%s' '%s'",
		 vm->name, json);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(why, sizeof(why), "cannot run virsh: %s", strerror(errno));
		return why;
	}
	n = fread(reply, 1, sizeof(reply) - 1, p);
	reply[n] = '\0';
	if (pclose(p) != 0 || strncmp(reply, "{\"return\"", 9)) {
		snprintf(why, sizeof(why), "virsh qemu-monitor-command failed: %s",
			 reply);
		return why;
	}
	return NULL;
}

/* vm_try_qmp(), or die saying why. */
static void vm_qmp(const struct vm *vm, const char *json)
{
	const char *why = vm_try_qmp(vm, json);

	if (why)
		die("%s", why);
}

/* Run @argv (a program on PATH) and wait: 0 if it exited with 0. */
static int run(char *const argv[])
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("cannot fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "xpvctl: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

static int list_one(struct vm *vm, void *arg)
{
	const char *pos = NULL, *ret;
	long long version = -1;
	char *p;

	(void)arg;
	if (!vm->xpv)
		return 0;
	/*
	 * {"return": {"registered": true, "version": 9, ...}}, from QEMU;
	 * libvirt passes it on without the spaces.
	 */
	if ((vm->qmp[0] || vm->libvirt) &&
	    !vm_try_qmp(vm, "{\"execute\":\"query-xpv\"}") &&
	    (strstr(reply, "\"registered\": true") ||
	     strstr(reply, "\"registered\":true")) &&
	    (ret = qmp_next_object(reply, 1, &pos)))
		version = qmp_member_int(ret, "version");
	p = vm->qmp[0] ? vm->qmp : vm->libvirt ? "(libvirt)" : "(none)";
	if (version >= 0)
		printf("%-16s %8d %10lld  %s\n", vm->name, vm->pid, version, p);
	else
		printf("%-16s %8d %10s  %s\n", vm->name, vm->pid, "-", p);
	return 0;
}

static int cmd_list(void)
{
	printf("%-16s %8s %10s  %s\n", "NAME", "PID", "VERSION", "QMP");
	return for_each_vm(list_one, NULL);
}

/*
 * Host NUMA balancing moves an XPV VM's memory towards its vCPU threads
 * while the guest balances on the pnodes it is told: the two fight.
 */
static void warn_host_balancing(const struct vm *vm)
{
	FILE *f = fopen("/proc/sys/kernel/numa_balancing", "r");
	int mode = 0;

	if (!f)
		return;
	if (fscanf(f, "%d", &mode) != 1)
		mode = 0;
	fclose(f);
	if (vm->xpv && mode)
		fprintf(stderr, "xpvctl: warning: host NUMA balancing is on (kernel.numa_balancing=%d): it moves %s's memory while the guest balances on XPV's pnodes; set it to 0\n",
			mode, vm->name);
}

static int cmd_show(const char *name, int json)
{
	static char text[QMP_LINE_MAX];
	struct vm vm = find_vm(name);
	char *s, *d = text;

	if (json) {
		vm_qmp(&vm, "{\"execute\":\"query-xpv\"}");
		printf("%s\n", reply);
		fflush(stdout);
		warn_host_balancing(&vm);
		return 0;
	}
	vm_qmp(&vm, "{\"execute\":\"human-monitor-command\","
		    "\"arguments\":{\"command-line\":\"info xpv\"}}");
	/* {"return": "text with \r\n escapes"} */
	s = strchr(reply, ':');
	s = s ? strchr(s, '"') : NULL;
	if (!s)
		die("unexpected reply: %s", reply);
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			if (*s == 'n')
				*d++ = '\n';
			else if (*s != 'r')
				*d++ = *s;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	printf("VM %s (pid %d)\n%s", vm.name, vm.pid, text);
	fflush(stdout);
	warn_host_balancing(&vm);
	return 0;
}

/* A non-negative decimal number, or dies naming @what. */
static long number(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || errno)
		die(what, s);
	return v;
}

/* Whether @v is in @list, a kernel list such as "0-3,8". */
static int in_list(const char *list, long v)
{
	const char *p = list;
	char *end;
	long a, b;

	while (*p) {
		a = strtol(p, &end, 10);
		if (end == p)
			return 0;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (v >= a && v <= b)
			return 1;
		if (*end != ',')
			return 0;
		p = end + 1;
	}
	return 0;
}

/* The CPUs of host node @node from sysfs, into @set; dies if none. */
static void node_cpus(long node, cpu_set_t *set, char *list, size_t len)
{
	char path[96];
	FILE *f;
	int cpu;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%ld/cpulist",
		 node);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%ld", node);
		die("host node %s does not exist (see /sys/devices/system/node)",
		    path);
	}
	if (!fgets(list, len, f))
		list[0] = '\0';
	fclose(f);
	list[strcspn(list, "\n")] = '\0';
	CPU_ZERO(set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (in_list(list, cpu))
			CPU_SET(cpu, set);
	if (!CPU_COUNT(set)) {
		snprintf(path, sizeof(path), "%ld", node);
		die("host node %s has no CPUs to run a vCPU on", path);
	}
}

static int cmd_vcpu(const char *name, const char *vcpu_s, const char *node_s)
{
	long vcpu = number(vcpu_s, "'%s' is not a vCPU number");
	long node = number(node_s, "'%s' is not a host node number");
	struct vm vm = find_vm(name);
	const char *pos = NULL, *obj;
	char list[512];
	long long tid = -1;
	cpu_set_t set;
	int nr = 0;

	node_cpus(node, &set, list, sizeof(list));
	vm_qmp(&vm, "{\"execute\":\"query-cpus-fast\"}");
	/*
	 * {"return": [{"thread-id": 113, "props": {..., "thread-id": 0},
	 * "cpu-index": 0, ...}, ...]}, members in no particular order.
	 */
	while ((obj = qmp_next_object(reply, 2, &pos))) {
		nr++;
		if (qmp_member_int(obj, "cpu-index") == vcpu)
			tid = qmp_member_int(obj, "thread-id");
	}
	if (tid <= 0) {
		fprintf(stderr, "xpvctl: VM '%s' has no vCPU %ld (it has %d)\n",
			vm.name, vcpu, nr);
		return 1;
	}
	if (vm.libvirt) {
		/*
		 * Through libvirt, so that its view of the pinning (virsh
		 * vcpupin, the live XML a save or migration carries) and its
		 * cgroups agree with where the thread runs.
		 */
		char vcpu_a[24];
		char *argv[] = { "virsh", "-q", "vcpupin", vm.name, vcpu_a,
				 list, "--live", NULL };

		snprintf(vcpu_a, sizeof(vcpu_a), "%ld", vcpu);
		if (run(argv))
			die("virsh vcpupin %s failed (see above)", vm.name);
	} else if (sched_setaffinity(tid, sizeof(set), &set)) {
		die("cannot move the vCPU thread: %s", strerror(errno));
	}
	printf("vCPU %ld of %s (thread %lld) now runs on host node %ld (CPUs %s)\n",
	       vcpu, vm.name, tid, node, list);
	return 0;
}

/* The Mems_allowed_list of process @pid into @list: 0, or -1. */
static int vm_mems_allowed(int pid, char *list, size_t len)
{
	char path[64], line[4096];
	int r = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Mems_allowed_list:", 18)) {
			snprintf(list, len, "%s", line + 18 + strspn(line + 18, " \t"));
			list[strcspn(list, "\n")] = '\0';
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

static int cmd_mem(const char *name, const char *node_s)
{
	long node = number(node_s, "'%s' is not a host node number");
	unsigned long from[MAX_NODES / 64] = { 0 }, to[MAX_NODES / 64] = { 0 };
	struct vm vm = find_vm(name);
	char list[512];
	long left, n;
	DIR *d;
	struct dirent *e;

	if (node >= MAX_NODES)
		die("host node %s does not exist", node_s);
	/* Memory-only nodes are fine: look the node up, not its CPUs. */
	snprintf(list, sizeof(list), "/sys/devices/system/node/node%ld", node);
	if (access(list, F_OK))
		die("host node %s does not exist (see /sys/devices/system/node)",
		    node_s);
	/*
	 * As root, migrate_pages() is not held to the VM's cpuset: refuse
	 * what the VM's own allocations could not use either.
	 */
	if (!vm_mems_allowed(vm.pid, list, sizeof(list)) && !in_list(list, node)) {
		fprintf(stderr, "xpvctl: host node %ld is outside the memory nodes VM '%s' may use (%s)\n",
			node, vm.name, list);
		return 1;
	}
	d = opendir("/sys/devices/system/node");
	if (!d)
		die("cannot read /sys/devices/system/node: %s", strerror(errno));
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "node", 4) || !isdigit((unsigned char)e->d_name[4]))
			continue;
		n = atol(e->d_name + 4);
		if (n < MAX_NODES && n != node)
			from[n / 64] |= 1UL << (n % 64);
	}
	closedir(d);
	to[node / 64] |= 1UL << (node % 64);
	left = syscall(SYS_migrate_pages, vm.pid, MAX_NODES, from, to);
	if (left < 0)
		die("migrate_pages: %s", strerror(errno));
	printf("memory of %s (pid %d) moved to host node %ld; %ld pages could not be moved\n",
	       vm.name, vm.pid, node, left);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xpvctl list\n"
		"       xpvctl show VM [--json]\n"
		"       xpvctl vcpu VM VCPU NODE\n"
		"       xpvctl mem VM NODE\n"
		"VM is a QEMU -name or a PID; NODE a host NUMA node.\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return cmd_list();
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "show")) {
		if (argc == 4 && strcmp(argv[3], "--json")) {
			usage(stderr);
			return 2;
		}
		return cmd_show(argv[2], argc == 4);
	}
	if (argc == 5 && !strcmp(argv[1], "vcpu"))
		return cmd_vcpu(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "mem"))
		return cmd_mem(argv[2], argv[3]);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
