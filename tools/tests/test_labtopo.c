// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the xpv-labtopo binary (path in $LABTOPO): the QEMU options
 * it generates and its verdict on fake sysfs node trees.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

static char root[64];

static const char *bin(void)
{
	const char *b = getenv("LABTOPO");

	return b ? b : "xpv-labtopo";
}

/* Run "xpv-labtopo ARGS"; returns its exit status, output in @out. */
static int run(char *out, size_t len, const char *fmt, ...)
{
	char args[512], cmd[1024];
	size_t n;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(content, f);
	fclose(f);
}

/* A sysfs tree as Linux shows the default 2-node, 4-CPU, 2 GiB lab. */
static void good_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", root);
	if (system(cmd))
		exit(1);
	mkdir(strcat(strcpy(cmd, root), "/node0"), 0755);
	mkdir(strcat(strcpy(cmd, root), "/node1"), 0755);
	put("online", "0-1\n");
	put("node0/cpulist", "0-1\n");
	put("node1/cpulist", "2-3\n");
	put("node0/distance", "10 20\n");
	put("node1/distance", "20 10\n");
	put("node0/meminfo", "Node 0 MemTotal:         981000 kB\nNode 0 MemFree: 1 kB\n");
	put("node1/meminfo", "Node 1 MemTotal:        1010000 kB\n");
}

#define VERIFY "verify --nodes 2 --cpus 4 --mem 2048 --sysfs %s"

TEST(qemu_args_default_machine)
{
	char out[2048];

	CHECK(run(out, sizeof(out), "qemu-args --nodes 2 --cpus 4 --mem 2048") == 0);
	CHECK(strstr(out, "-smp\n4,sockets=2,cores=2,threads=1\n-m\n2048M\n") == out);
	CHECK(strstr(out, "-object\nmemory-backend-ram,id=xpv-m0,size=1024M\n"));
	CHECK(strstr(out, "-numa\nnode,nodeid=0,cpus=0-1,memdev=xpv-m0\n"));
	CHECK(strstr(out, "-numa\nnode,nodeid=1,cpus=2-3,memdev=xpv-m1\n"));
	CHECK(strstr(out, "-numa\ndist,src=0,dst=1,val=20\n"));
	CHECK(strstr(out, "-numa\ndist,src=1,dst=0,val=20\n"));
	CHECK(!strstr(out, "nodeid=2"));
}

TEST(qemu_args_custom_distances)
{
	char out[4096];

	CHECK(run(out, sizeof(out), "qemu-args --nodes 4 --cpus 4 --mem 1024 "
		  "--distance '10,16,22,22;16,10,22,22;22,22,10,16;22,22,16,10'") == 0);
	CHECK(strstr(out, "-numa\nnode,nodeid=3,cpus=3-3,memdev=xpv-m3\n"));
	CHECK(strstr(out, "dist,src=0,dst=1,val=16\n"));
	CHECK(strstr(out, "dist,src=3,dst=0,val=22\n"));
	CHECK(strstr(out, "dist,src=3,dst=2,val=16\n"));
}

TEST(bad_arguments_are_errors)
{
	char out[1024];

	CHECK(run(out, sizeof(out), "qemu-args --nodes 9") == 2);
	CHECK(strstr(out, "bad topology"));
	CHECK(run(out, sizeof(out), "qemu-args --nodes two") == 2);
	CHECK(run(out, sizeof(out), "qemu-args --nodes 3 --cpus 4") == 2);
	CHECK(run(out, sizeof(out), "qemu-args --nodes 2 --distance '10,20;21,10'") == 2);
	CHECK(run(out, sizeof(out), "frobnicate") == 2);
	CHECK(run(out, sizeof(out), "qemu-args extra") == 2);
	CHECK(run(out, sizeof(out), "") == 2);
}

TEST(verify_accepts_matching_machine)
{
	char out[1024];

	good_tree();
	CHECK(run(out, sizeof(out), VERIFY, root) == 0);
	CHECK(strstr(out, "node1: cpus 2-3"));
}

TEST(verify_rejects_wrong_cpus)
{
	char out[1024];

	good_tree();
	put("node1/cpulist", "2\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	CHECK(strstr(out, "node1: cpus 2, expected 2-3"));
	put("node1/cpulist", "garbage\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
}

TEST(verify_rejects_wrong_distance)
{
	char out[1024];

	good_tree();
	put("node1/distance", "21 10\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	good_tree();
	put("node0/distance", "10 20 20\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	good_tree();
	put("node0/distance", "10\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
}

TEST(verify_rejects_wrong_nodes_and_memory)
{
	char out[1024];

	good_tree();
	put("online", "0\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	CHECK(strstr(out, "online nodes 0, expected 0-1"));
	good_tree();
	put("node0/meminfo", "Node 0 MemTotal: 500000 kB\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	good_tree();
	put("node1/meminfo", "Node 1 MemTotal: 2000000 kB\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	good_tree();
	put("node1/meminfo", "nothing\n");
	CHECK(run(out, sizeof(out), VERIFY, root) == 1);
	CHECK(run(out, sizeof(out), "verify --sysfs %s/none", root) == 1);
}

int main(void)
{
	char cmd[128];
	int rc;

	strcpy(root, "/tmp/xpv-labtopo-test.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	rc = run_tests();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		rc = 1;
	return rc;
}
