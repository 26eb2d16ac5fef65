/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Well-formed XPV topology areas, laid out as KVM lays them out
 * (arch/x86/kvm/xpv.c): the header, the distance table, the vCPU table,
 * the chunk table.  The harness takes one as the snapshot in use; the
 * seed writer starts the fuzzer's corpus from some.
 */
#ifndef _XPV_TEST_AREA_GEN_H
#define _XPV_TEST_AREA_GEN_H

#include <string.h>
#include <linux/types.h>
#include <asm/kvm_xpv.h>

struct xpv_gen {
	unsigned int nr_pnodes;
	unsigned long long offline;	/* bit p: pnode p is a hole */
	unsigned int nr_vcpus;
	unsigned long nr_chunks;
	unsigned int chunk_shift;
	unsigned long long version;
};

static inline size_t xpv_gen_align(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Bytes the area of @g takes. */
static inline size_t xpv_gen_size(const struct xpv_gen *g)
{
	size_t n = xpv_gen_align(sizeof(struct kvm_xpv_header) +
				 g->nr_pnodes * g->nr_pnodes);

	n = xpv_gen_align(n + g->nr_vcpus * 2);
	return n + g->nr_chunks * 2;
}

static inline int xpv_gen_online(const struct xpv_gen *g, unsigned int p)
{
	return p < 64 && !(g->offline >> p & 1);
}

/*
 * Write the area of @g into @buf (xpv_gen_size() bytes): vCPUs and chunks
 * spread over the online pnodes, every seventh chunk unknown.
 */
static inline void xpv_gen_area(unsigned char *buf, const struct xpv_gen *g)
{
	struct kvm_xpv_header *h = (void *)buf;
	size_t dist = sizeof(*h);
	size_t vcpu = xpv_gen_align(dist + g->nr_pnodes * g->nr_pnodes);
	size_t chunk = xpv_gen_align(vcpu + g->nr_vcpus * 2);
	unsigned int on[64], n_on = 0, i, j;
	unsigned long k;
	__u16 v;

	memset(buf, 0, xpv_gen_size(g));
	for (i = 0; i < g->nr_pnodes; i++)
		if (xpv_gen_online(g, i))
			on[n_on++] = i;
	h->magic = KVM_XPV_MAGIC;
	h->abi_version = KVM_XPV_ABI_VERSION;
	h->header_size = sizeof(*h);
	h->version = g->version;
	h->nr_pnodes = g->nr_pnodes;
	h->chunk_shift = g->chunk_shift;
	h->nr_vcpus = g->nr_vcpus;
	h->nr_chunks = g->nr_chunks;
	h->distance_offset = dist;
	h->vcpu_offset = vcpu;
	h->chunk_offset = chunk;
	h->area_size = xpv_gen_size(g);
	for (i = 0; i < g->nr_pnodes; i++)
		for (j = 0; j < g->nr_pnodes; j++)
			if (xpv_gen_online(g, i) && xpv_gen_online(g, j))
				buf[dist + i * g->nr_pnodes + j] =
					i == j ? 10 : 20 + (i > j ? i - j : j - i);
	for (i = 0; i < g->nr_vcpus; i++) {
		v = n_on ? on[i % n_on] : KVM_XPV_PNODE_UNKNOWN;
		memcpy(buf + vcpu + 2 * i, &v, 2);
	}
	for (k = 0; k < g->nr_chunks; k++) {
		v = n_on && k % 7 != 6 ? on[(k / 8) % n_on] :
					 KVM_XPV_PNODE_UNKNOWN;
		memcpy(buf + chunk + 2 * k, &v, 2);
	}
}

#endif
