/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XPV guest, x86 parts: the hook from the KVM guest setup and the page
 * the vDSO maps to answer xpv_version() and xpv_getnode() without a
 * system call.
 */
#ifndef _ASM_X86_XPV_H
#define _ASM_X86_XPV_H

#include <linux/types.h>
#include <asm/page_types.h>

/* CPUs the vDSO page has a pnode for; later CPUs read "unknown". */
#define XPV_VDSO_MAX_CPUS	((PAGE_SIZE - 16) / sizeof(u16))

/*
 * Written by the kernel under @seq (odd while it writes), read by the
 * vDSO.  @nr_cpus is 0 while XPV is inactive.
 */
struct xpv_vdso_data {
	u32 seq;
	u32 nr_cpus;
	u64 version;
	u16 pnode[XPV_VDSO_MAX_CPUS];
};

union xpv_vdso_page {
	struct xpv_vdso_data data;
	u8 page[PAGE_SIZE];
};

extern union xpv_vdso_page xpv_vdso_page;

#ifdef BUILD_VDSO
/* The same page, as the vDSO maps it (vdso-layout.lds.S). */
extern struct xpv_vdso_data xpv_page __attribute__((visibility("hidden")));
#endif

/* The vDSO's entry points (arch/x86/entry/vdso/vxpv.c). */
u64 __vdso_xpv_version(void);
long __vdso_xpv_getnode(unsigned int *cpu, unsigned int *pnode);

#ifdef CONFIG_XPV_GUEST
void __init xpv_guest_init_early(void);
void xpv_guest_shutdown(void);
#else
static inline void xpv_guest_init_early(void) { }
static inline void xpv_guest_shutdown(void) { }
#endif

#endif /* _ASM_X86_XPV_H */
