// SPDX-License-Identifier: GPL-2.0
/*
 * Write the fuzzer's seed inputs into DIR: well-formed areas (area_gen.h),
 * each behind the harness's flag byte (see area_fuzz.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/kernel.h>
#include "area_gen.h"

static const struct xpv_gen seeds[] = {
	/* The lab's shape: 2 pnodes, 2 vCPUs, 512 MiB in 2 MiB chunks. */
	{ .nr_pnodes = 2, .nr_vcpus = 2, .nr_chunks = 256,
	  .chunk_shift = 21, .version = 5 },
	/* Host node ids with a hole, more vCPU ids than CPUs, 4 MiB chunks. */
	{ .nr_pnodes = 4, .offline = 1 << 1, .nr_vcpus = 301,
	  .nr_chunks = 300, .chunk_shift = 22, .version = 200 },
	/* One pnode, no chunk table. */
	{ .nr_pnodes = 1, .nr_vcpus = 1, .nr_chunks = 0,
	  .chunk_shift = 21, .version = 100 },
	/* The ABI's most pnodes. */
	{ .nr_pnodes = KVM_XPV_MAX_PNODES, .offline = 0xf0,
	  .nr_vcpus = 8, .nr_chunks = 16, .chunk_shift = 21, .version = 101 },
	/* Chunks past the end of the guest's RAM. */
	{ .nr_pnodes = 2, .nr_vcpus = 10, .nr_chunks = 2100,
	  .chunk_shift = 21, .version = 99 },
};

int main(int argc, char **argv)
{
	static const unsigned char flags[] = { 0, 1, 3, 4 };
	unsigned char *buf;
	char path[4096];
	unsigned int i, f;
	size_t n;
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		n = xpv_gen_size(&seeds[i]);
		buf = malloc(n + 1);
		if (!buf)
			return 1;
		xpv_gen_area(buf + 1, &seeds[i]);
		for (f = 0; f < ARRAY_SIZE(flags); f++) {
			buf[0] = flags[f];
			snprintf(path, sizeof(path), "%s/seed-%u-%u", argv[1],
				 i, flags[f]);
			out = fopen(path, "w");
			if (!out || fwrite(buf, 1, n + 1, out) != n + 1 ||
			    fclose(out)) {
				perror(path);
				return 1;
			}
		}
		free(buf);
	}
	return 0;
}
