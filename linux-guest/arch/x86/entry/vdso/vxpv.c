// SPDX-License-Identifier: GPL-2.0
/*
 * XPV in the vDSO: the guest's topology version and the pnode of the
 * current CPU, read from the page the kernel keeps (<asm/xpv.h>) without
 * a system call.
 */

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/kvm_xpv.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/segment.h>
#include <asm/xpv.h>

/* Tries before giving up on a page the kernel keeps rewriting. */
#define XPV_VDSO_TRIES	64

/*
 * The guest topology version; 0 until XPV is active.  It moves on when XPV
 * goes inactive (at resume, the host took no registration), and
 * __vdso_xpv_getnode() returns -ENODEV until a later registration.
 */
notrace u64 __vdso_xpv_version(void)
{
	return READ_ONCE(xpv_page.version);
}

/*
 * The CPU this runs on and that CPU's pnode, both from one consistent
 * view.  Returns 0, -ENODEV when XPV is not active, -ENOENT when the pnode
 * of this CPU is unknown, -EAGAIN when no consistent view could be read.
 */
notrace long __vdso_xpv_getnode(unsigned int *cpu, unsigned int *pnode)
{
	unsigned int c, n, p;
	u32 seq;
	int i;

	for (i = 0; i < XPV_VDSO_TRIES; i++) {
		seq = READ_ONCE(xpv_page.seq);
		if (seq & 1)
			continue;
		/* x86 keeps loads in order; stop the compiler moving them. */
		barrier();
		vdso_read_cpunode(&c, NULL);
		n = READ_ONCE(xpv_page.nr_cpus);
		p = c < n && c < XPV_VDSO_MAX_CPUS ?
		    READ_ONCE(xpv_page.pnode[c]) : KVM_XPV_PNODE_UNKNOWN;
		barrier();
		if (READ_ONCE(xpv_page.seq) != seq)
			continue;

		if (cpu)
			*cpu = c;
		if (!n)
			return -ENODEV;
		if (p == KVM_XPV_PNODE_UNKNOWN)
			return -ENOENT;
		if (pnode)
			*pnode = p;
		return 0;
	}
	return -EAGAIN;
}
