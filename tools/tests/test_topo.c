// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/lib/topo.c: cpulists and the lab's NUMA machine. */
#include <string.h>

#include "runner.h"
#include "topo.h"

static const char *fmt(cpuset_t set)
{
	static char buf[256];

	if (cpulist_format(set, buf, sizeof(buf)) < 0)
		return "<overflow>";
	return buf;
}

TEST(cpulist_parse_valid)
{
	cpuset_t s = 123;

	CHECK(cpulist_parse("0-3,8,10-11\n", &s) == 0 && s == 0xd0f);
	CHECK(cpulist_parse("5", &s) == 0 && s == 1 << 5);
	CHECK(cpulist_parse("", &s) == 0 && s == 0);
	CHECK(cpulist_parse("\n", &s) == 0 && s == 0);
	CHECK(cpulist_parse("63", &s) == 0 && s == (cpuset_t)1 << 63);
	CHECK(cpulist_parse("0-63", &s) == 0 && s == ~(cpuset_t)0);
}

TEST(cpulist_parse_rejects)
{
	static const char *const bad[] = {
		"64", "0-64", "3-1", "1,", ",1", "1,,2", "-1", "1-", "a",
		"1 2", "1\n2", "99999999999999999999", "1\n\n", "0x1",
	};
	cpuset_t s = 42;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cpulist_parse(bad[i], &s) != -1) {
			printf("#   accepted '%s'\n", bad[i]);
			CHECK(0);
		}
	}
	CHECK(s == 42);		/* untouched on error */
}

TEST(cpulist_format_canonical)
{
	char small[4];
	cpuset_t s;

	CHECK(!strcmp(fmt(0), ""));
	CHECK(!strcmp(fmt(0xd0f), "0-3,8,10-11"));
	CHECK(!strcmp(fmt((cpuset_t)1 << 63 | 1), "0,63"));
	CHECK(!strcmp(fmt(~(cpuset_t)0), "0-63"));
	CHECK(cpulist_parse(fmt(0x5a5a5a5a5a5aULL), &s) == 0 && s == 0x5a5a5a5a5a5aULL);
	CHECK(cpulist_format(0xd0f, small, sizeof(small)) == -1);
}

TEST(topo_init_defaults_and_limits)
{
	char err[128];
	struct topo t;

	CHECK(topo_init(&t, 2, 4, 2048, err, sizeof(err)) == 0);
	CHECK(t.dist[0][0] == 10 && t.dist[0][1] == 20 && t.dist[1][0] == 20);
	CHECK(topo_init(&t, 0, 4, 2048, err, sizeof(err)) == -1);
	CHECK(topo_init(&t, TOPO_MAX_NODES + 1, 64, 8192, err, sizeof(err)) == -1);
	CHECK(topo_init(&t, 4, 3, 2048, err, sizeof(err)) == -1);	/* CPU-less node */
	CHECK(topo_init(&t, 3, 8, 3000, err, sizeof(err)) == -1);	/* uneven sockets */
	CHECK(topo_init(&t, 2, 65, 2048, err, sizeof(err)) == -1);
	CHECK(topo_init(&t, 2, 4, 200, err, sizeof(err)) == -1);	/* < 128 MiB/node */
	CHECK(topo_init(&t, 2, 4, 1025, err, sizeof(err)) == -1);	/* not 2 MiB aligned */
	CHECK(strstr(err, "multiple") != NULL);
}

TEST(topo_distance_matrix)
{
	char err[128];
	struct topo t;

	topo_init(&t, 3, 3, 768, err, sizeof(err));
	CHECK(topo_set_distance(&t, "10,21,31; 21,10,21 ;31 21 10", err, sizeof(err)) == 0);
	CHECK(t.dist[0][2] == 31 && t.dist[2][1] == 21 && t.dist[1][1] == 10);

	topo_init(&t, 2, 2, 512, err, sizeof(err));
	CHECK(topo_set_distance(&t, "10,20;20,10;", err, sizeof(err)) == 0);
	CHECK(topo_set_distance(&t, "10,20;20", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,20,30;20,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,20;20,10;10,20", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "11,20;20,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,10;10,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,255;255,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,256;256,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "10,20;30,10", err, sizeof(err)) == -1);
	CHECK(strstr(err, "differs") != NULL);
	CHECK(topo_set_distance(&t, "10,x;20,10", err, sizeof(err)) == -1);
	CHECK(topo_set_distance(&t, "", err, sizeof(err)) == -1);
	/* a rejected matrix leaves the previous one */
	CHECK(t.dist[0][1] == 20 && t.dist[1][0] == 20);
}

TEST(topo_cpu_and_memory_split)
{
	cpuset_t all = 0;
	struct topo t;
	unsigned int i, mem = 0;

	CHECK(topo_init(&t, 3, 9, 3000, NULL, 0) == 0);
	CHECK(topo_node_cpus(&t, 0) == 0x007);	/* 0-2 */
	CHECK(topo_node_cpus(&t, 1) == 0x038);	/* 3-5 */
	CHECK(topo_node_cpus(&t, 2) == 0x1c0);	/* 6-8 */
	CHECK(topo_node_cpus(&t, 3) == 0);
	for (i = 0; i < t.nodes; i++) {
		CHECK((all & topo_node_cpus(&t, i)) == 0);
		all |= topo_node_cpus(&t, i);
		CHECK(topo_node_mem(&t, i) % TOPO_MEM_ALIGN == 0);
		mem += topo_node_mem(&t, i);
	}
	CHECK(all == 0x1ff);
	CHECK(mem == 3000);
	CHECK(topo_node_mem(&t, 0) == 1000);
	CHECK(topo_node_mem(&t, 3) == 0);
}

int main(void)
{
	return run_tests();
}
