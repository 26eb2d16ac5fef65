#ifndef JEMALLOC_INTERNAL_PNODE_H
#define JEMALLOC_INTERNAL_PNODE_H

#include "jemalloc/internal/atomic.h"

/*
 * percpu_arena:pnode -- one arena per pnode of an XPV guest.
 *
 * In a KVM guest with XPV (the host's live NUMA topology, paravirtual),
 * the guest kernel's vDSO tells which pnode (host NUMA node) the current
 * vCPU is on, __vdso_xpv_getnode(), and the version of that topology,
 * __vdso_xpv_version(), which the host bumps on every change.  Arena p
 * serves the threads on the vCPUs of pnode p, and its extents are bound
 * to pnode p (mbind() with MPOL_F_PNODES).  A thread looks at its pnode
 * at one arena choice in PNODE_LOOK_EVERY (tcache fill and flush, large
 * allocations): when the host moved its vCPU, it rebinds to the arena of
 * the new pnode.
 */

/* Arenas reserved for pnodes: the most pnodes a guest can be given. */
#ifdef JEMALLOC_HAVE_XPV_PNODE
#include <asm/kvm_xpv.h>
#define PNODE_MAX	KVM_XPV_MAX_PNODES
#else
#define PNODE_MAX	1
#endif

/*
 * A thread looks at its pnode at one arena choice in this many (tcache
 * fills and flushes, large allocations): the vDSO read is a few percent
 * of a large allocation's slow path, and a thread the guest moved to
 * another pnode's vCPU follows within this many choices.
 */
#define PNODE_LOOK_EVERY	8

/* The guest kernel offers pnodes (set once, by pnode_boot()). */
extern bool pnode_available;
/* Rebinds of a thread to another pnode's arena, and the last version seen. */
extern atomic_u64_t pnode_nrebinds;
extern atomic_u64_t pnode_version_seen;

/*
 * Looks the XPV entry points up in the vDSO; false when they are there
 * and the guest has a topology (pnode_available), true otherwise, with
 * the reason in *why.
 */
bool pnode_boot(const char **why);
/* The topology version now; 0 without XPV. */
uint64_t pnode_version(void);
/* Binds [addr, addr + size) to pnode p; false on success. */
bool pnode_bind(void *addr, size_t size, unsigned p);
/* A thread left the arena of one pnode for another's. */
void pnode_note_rebind(void);

/* The vDSO's __vdso_xpv_getnode(), once pnode_boot() found it. */
typedef long (pnode_getnode_t)(unsigned *cpu, unsigned *pnode);
extern pnode_getnode_t *pnode_getnode;

JEMALLOC_ALWAYS_INLINE int
pnode_current(void) {
	unsigned p;

	if (unlikely(pnode_getnode == NULL) || pnode_getnode(NULL, &p) != 0 ||
	    p >= PNODE_MAX) {
		return -1;
	}
	return (int)p;
}

#endif /* JEMALLOC_INTERNAL_PNODE_H */
