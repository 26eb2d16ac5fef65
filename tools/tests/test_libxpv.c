// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libxpv: its sysfs backend against a made-up sysfs tree,
 * and its vDSO lookup against this machine's vDSO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "xpv.h"

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/system/xpv/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

/* A 2-pnode guest: cpus 0-1 and 3 on pnode 0, cpu 2 on pnode 1. */
static void make_tree(void)
{
	snprintf(root, sizeof(root), "%s/libxpv-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	mkdirs("devices");
	mkdirs("devices/system");
	mkdirs("devices/system/xpv");
	mkdirs("devices/system/xpv/pnode0");
	mkdirs("devices/system/xpv/pnode1");
	put("version", "7\n");
	put("nr_pnodes", "2\n");
	put("pnode0/distance", "10 21\n");
	put("pnode1/distance", "21 10\n");
	put("pnode0/cpulist", "0-1,3\n");
	put("pnode1/cpulist", "2\n");
	put("pnode0/meminfo", "Pnode 0 MemTotal:         262144 kB\n"
	    "Pnode 0 MemFree:          200000 kB\n"
	    "Pnode 0 MemUsed:           62144 kB\n");
	put("pnode1/meminfo", "Pnode 1 MemTotal:           2048 kB\n"
	    "Pnode 1 MemFree:            4096 kB\n"
	    "Pnode 1 MemUsed:               0 kB\n");
}

TEST(sysfs_backend_reads_the_tree)
{
	char buf[64];

	CHECK(xpv_init(root) == XPV_BACKEND_SYSFS);
	CHECK(xpv_version() == 7);
	CHECK(xpv_nr_pnodes() == 2);
	CHECK(xpv_distance(0, 0) == 10);
	CHECK(xpv_distance(0, 1) == 21);
	CHECK(xpv_distance(1, 0) == 21);
	CHECK(xpv_distance(1, 1) == 10);
	CHECK(xpv_distance(2, 0) == -ERANGE);
	CHECK(xpv_cpu_pnode(0) == 0);
	CHECK(xpv_cpu_pnode(2) == 1);
	CHECK(xpv_cpu_pnode(3) == 0);
	CHECK(xpv_cpu_pnode(4) == -ENOENT);
	CHECK(xpv_pnode_memory(0) == 262144LL * 1024);
	CHECK(xpv_pnode_memory(1) == 2048LL * 1024);
	CHECK(xpv_pnode_memory(2) == -ENOENT);
	CHECK(xpv_pnode_cpulist(0, buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "0-1,3"));
}

TEST(sysfs_backend_rejects_garbage)
{
	put("nr_pnodes", "65\n");
	CHECK(xpv_nr_pnodes() == -ERANGE);
	put("nr_pnodes", "two\n");
	CHECK(xpv_nr_pnodes() == -EINVAL);
	put("nr_pnodes", "2\n");
	put("pnode1/cpulist", "2-\n");
	CHECK(xpv_cpu_pnode(2) == -EINVAL);
	put("pnode1/cpulist", "2\n");
	put("pnode1/distance", "10\n");
	CHECK(xpv_distance(1, 1) == -EINVAL);
	put("pnode0/distance", "10 21\n");
	put("pnode1/distance", "21 10\n");
}

TEST(wait_change_returns_at_once_when_behind)
{
	/* The file says 7: waiting "since 6" must not block. */
	CHECK(xpv_wait_change(6, 5000) == 7);
}

TEST(wait_change_times_out)
{
	/* A regular file never signals POLLPRI: the bounded wait ends. */
	CHECK(xpv_wait_change(7, 50) == 0);
}

TEST(cpulist_parser)
{
	uint64_t m[2] = { 0, 0 };

	CHECK(xpv_parse_cpulist("0-2,64,127\n", m, 128) == 0);
	CHECK(m[0] == 7 && m[1] == (1ULL | 1ULL << 63));
	CHECK(xpv_parse_cpulist("128", m, 128) == -ERANGE);
	CHECK(xpv_parse_cpulist("3-1", m, 128) == -EINVAL);
	CHECK(xpv_parse_cpulist("1,", m, 128) == -EINVAL);
	CHECK(xpv_parse_cpulist("", m, 128) == 0);
}

int main(void)
{
	int r;

	make_tree();
	/* The first call decides the root; every test uses this tree. */
	if (xpv_init(root) != XPV_BACKEND_SYSFS)
		printf("# xpv_init(%s) did not find the tree\n", root);
	r = run_tests();
	if (fork() == 0)
		execlp("rm", "rm", "-rf", root, (char *)NULL);
	return r;
}
