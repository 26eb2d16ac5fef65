// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the XPV guest's parser of the host's topology area
 * (arch/x86/kernel/xpv_area.c), built in user space with ASan and UBSan.
 *
 * An input is one flag byte, then the area: bit 0 of the flag gives the
 * parser a snapshot in use (host version 100, from area_gen.h), bit 1
 * says the area is the first since the guest registered, bit 2 makes the
 * snapshot's allocation fail.  The area is
 * copied into a buffer of exactly its length, so that any read past it is
 * an ASan report.  Every area the check accepts is built into a snapshot,
 * and the snapshot is checked against the area: a pnode, a CPU mask or a
 * byte count that the area does not say is a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include <asm/kvm_xpv.h>

#include "../../../arch/x86/kernel/xpv_area.h"
#include "area_gen.h"

/* The guest: 8 CPUs with sparse APIC ids, as x86 has them. */
unsigned int nr_cpu_ids = 8;
u32 xpv_test_apicid[8] = { 0, 1, 2, 3, 8, 9, 64, 300 };

/* Its RAM: below 640 KiB, 1 MiB to 512 MiB, 4 GiB to 4 GiB + 128 MiB. */
static const struct {
	unsigned long start, nr;
} ram[] = {
	{ 0x1, 0x9e }, { 0x100, 0x1ff00 }, { 0x100000, 0x8000 },
};

int walk_system_ram_range(unsigned long start_pfn, unsigned long nr_pages,
			  void *arg, int (*func)(unsigned long, unsigned long,
						 void *))
{
	unsigned long end = start_pfn + nr_pages, s, e;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(ram); i++) {
		s = ram[i].start > start_pfn ? ram[i].start : start_pfn;
		e = ram[i].start + ram[i].nr < end ? ram[i].start + ram[i].nr :
						     end;
		if (s < e) {
			ret = func(s, e - s, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

#define expect(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "xpv_area: " __VA_ARGS__);	\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

static struct xpv_snapshot *in_use;
static bool fail_alloc;
static unsigned long long inputs, accepted;
static const char *reasons[32];
static unsigned long long rejected[32];

void *kvzalloc(size_t size, unsigned int gfp)
{
	return fail_alloc ? NULL : calloc(1, size);
}

static void count_rejection(const char *why)
{
	unsigned int i;

	for (i = 0; i < 32 && reasons[i] && reasons[i] != why; i++)
		;
	expect(i < 32, "more than 32 different reasons");
	reasons[i] = why;
	rejected[i]++;
}

static void report(void)
{
	unsigned int i;

	printf("xpv_area: %llu areas parsed, %llu accepted and built\n",
	       inputs, accepted);
	for (i = 0; i < 32 && reasons[i]; i++)
		printf("xpv_area:   rejected %llu: %s\n", rejected[i],
		       reasons[i]);
}

static u64 total_ram(void)
{
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ram); i++)
		n += (u64)ram[i].nr << PAGE_SHIFT;
	return n;
}

/* The RAM of chunk @k (of 2^@shift bytes), by another route than the parser's. */
static u64 chunk_ram(unsigned long k, unsigned int shift)
{
	u64 start = (u64)k << shift, end = start + (1ULL << shift), n = 0;
	u64 s, e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ram); i++) {
		s = (u64)ram[i].start << PAGE_SHIFT;
		e = s + ((u64)ram[i].nr << PAGE_SHIFT);
		s = s > start ? s : start;
		e = e < end ? e : end;
		if (s < e)
			n += e - s;
	}
	return n;
}

static int mask_has(const struct xpv_snapshot *s, unsigned int p,
		    unsigned int cpu)
{
	const unsigned long *m = s->cpumasks + p * BITS_TO_LONGS(nr_cpu_ids);

	return m[cpu / BITS_PER_LONG] >> (cpu % BITS_PER_LONG) & 1;
}

/* @s says what the area @copy says, and nothing else. */
static void check_snapshot(const struct xpv_snapshot *s, const u8 *copy,
			   const struct xpv_snapshot *old)
{
	const struct kvm_xpv_header *h = (const void *)copy;
	const u8 *d = copy + h->distance_offset;
	const u16 *vt = (const u16 *)(copy + h->vcpu_offset);
	unsigned int np = h->nr_pnodes, p, q, cpu;
	u64 sum = s->unknown_bytes, want[KVM_XPV_MAX_PNODES] = { 0 }, known = 0;
	unsigned long k;

	expect(s->version == (old ? old->version + 1 : 1),
	       "guest version %llu after %llu", (unsigned long long)s->version,
	       old ? (unsigned long long)old->version : 0ULL);
	expect(s->host_version == h->version && s->nr_pnodes == np &&
	       s->chunk_shift == h->chunk_shift &&
	       s->nr_chunks == h->nr_chunks, "header not taken as it is");
	expect(!memcmp(s->distance, d, np * np), "distances differ");
	for (p = 0; p < np; p++) {
		expect(d[p * np + p] || !s->pnode_bytes[p],
		       "RAM counted on offline pnode %u", p);
		sum += s->pnode_bytes[p];
	}
	expect(sum == total_ram(), "RAM per pnode adds up to %llu, not %llu",
	       (unsigned long long)sum, (unsigned long long)total_ram());
	for (k = 0; k < s->nr_chunks; k++) {
		p = s->chunk_pnode[k];
		if (p != KVM_XPV_PNODE_UNKNOWN)
			want[p] += chunk_ram(k, h->chunk_shift);
	}
	for (p = 0; p < np; p++) {
		expect(s->pnode_bytes[p] == want[p],
		       "%llu bytes of RAM on pnode %u, its chunks hold %llu",
		       (unsigned long long)s->pnode_bytes[p], p,
		       (unsigned long long)want[p]);
		known += want[p];
	}
	expect(s->unknown_bytes == total_ram() - known,
	       "%llu bytes of RAM on no pnode, not %llu",
	       (unsigned long long)s->unknown_bytes,
	       (unsigned long long)(total_ram() - known));
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		u32 id = xpv_test_apicid[cpu];
		u16 want = id < h->nr_vcpus ? vt[id] : KVM_XPV_PNODE_UNKNOWN;

		p = s->cpu_pnode[cpu];
		expect(p == want, "CPU %u on pnode %u, the area says %u",
		       cpu, p, want);
		expect(p == KVM_XPV_PNODE_UNKNOWN ||
		       (p < np && d[p * np + p] == LOCAL_DISTANCE),
		       "CPU %u on pnode %u, not an online pnode", cpu, p);
		for (q = 0; q < np; q++)
			expect(mask_has(s, q, cpu) == (q == p),
			       "CPU %u in the mask of pnode %u, it is on %u",
			       cpu, q, p);
	}
	for (k = 0; k < s->nr_chunks; k++) {
		p = s->chunk_pnode[k];
		expect(p == KVM_XPV_PNODE_UNKNOWN ||
		       (p < np && d[p * np + p] == LOCAL_DISTANCE),
		       "chunk %lu on pnode %u, not an online pnode", k, p);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct xpv_gen g = {
		.nr_pnodes = 2, .nr_vcpus = 4, .nr_chunks = 64,
		.chunk_shift = 21, .version = 100,
	};
	size_t n = xpv_gen_size(&g);
	u8 *buf = malloc(n);

	expect(buf, "no memory");
	xpv_gen_area(buf, &g);
	expect(!xpv_area_check(buf, n, NULL, true),
	       "the generated area is refused: %s",
	       xpv_area_check(buf, n, NULL, true));
	in_use = xpv_area_build(buf, NULL);
	expect(in_use, "no memory");
	check_snapshot(in_use, buf, NULL);
	free(buf);
	atexit(report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct xpv_snapshot *old;
	struct xpv_snapshot *s;
	const char *why;
	bool fresh;
	u32 len;
	u8 *copy;

	if (size < 1 || size - 1 > UINT32_MAX)
		return 0;
	inputs++;
	old = data[0] & 1 ? in_use : NULL;
	fresh = data[0] & 2;
	len = size - 1;
	copy = malloc(len ? len : 1);
	expect(copy, "no memory");
	memcpy(copy, data + 1, len);

	why = xpv_area_check(copy, len, old, fresh);
	expect(why == xpv_area_check(copy, len, old, fresh),
	       "two checks of one area disagree");
	if (why) {
		count_rejection(why);
	} else {
		const struct kvm_xpv_header *h = (const void *)copy;

		expect(!old || fresh || h->version >= old->host_version,
		       "version %llu taken after %llu",
		       (unsigned long long)h->version,
		       (unsigned long long)old->host_version);
		fail_alloc = data[0] & 4;
		s = xpv_area_build(copy, old);
		if (fail_alloc) {
			fail_alloc = false;
			expect(!s, "a snapshot without memory");
		} else {
			expect(s, "no memory");
			check_snapshot(s, copy, old);
			kvfree(s);
			accepted++;
		}
	}
	free(copy);
	return 0;
}
