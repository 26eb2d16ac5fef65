/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxpv: the live host NUMA topology ("pnodes") of an XPV guest, for
 * runtimes and tools.
 *
 * The fast calls (xpv_version, xpv_getnode) go through the vDSO when the
 * kernel has it (__vdso_xpv_version, __vdso_xpv_getnode) and fall back to
 * /sys/devices/system/xpv otherwise.  Without XPV, xpv_version() is 0 and
 * the other calls fail with ENODEV.  Thread-safe after xpv_init().
 */
#ifndef LIBXPV_XPV_H
#define LIBXPV_XPV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XPV_MAX_PNODES 64

enum xpv_backend {
	XPV_BACKEND_NONE,	/* this kernel or host has no XPV */
	XPV_BACKEND_SYSFS,	/* XPV without the vDSO calls */
	XPV_BACKEND_VDSO,
};

/*
 * Find the vDSO calls and the sysfs directory.  The other functions call
 * it on first use.  Only the first call looks: later ones return what it
 * found, whatever their @sysfs_root.
 * @sysfs_root: NULL for "/sys", or another root (tests, containers); the
 * vDSO is used only with the real /sys.
 */
enum xpv_backend xpv_init(const char *sysfs_root);
const char *xpv_backend_name(enum xpv_backend b);

/* The guest topology version: +1 on each change; 0 without XPV. */
uint64_t xpv_version(void);

/*
 * The CPU the caller runs on and its pnode.  0 on success, otherwise a
 * negative errno: -ENODEV (no XPV), -ENOENT (pnode unknown), -EAGAIN.
 */
int xpv_getnode(unsigned int *cpu, unsigned int *pnode);

/* The number of pnodes, or a negative errno. */
int xpv_nr_pnodes(void);

/* The host's distance between two pnodes (10 is local), or -errno. */
int xpv_distance(unsigned int from, unsigned int to);

/* The pnode of @cpu from sysfs (slower than xpv_getnode), or -errno. */
int xpv_cpu_pnode(unsigned int cpu);

/* The CPU list of @pnode ("0-3,8") into @buf, or -errno. */
int xpv_pnode_cpulist(unsigned int pnode, char *buf, size_t size);

/* Guest memory on @pnode in bytes, or -errno. */
int64_t xpv_pnode_memory(unsigned int pnode);

/*
 * Block until the topology version differs from @since, or @timeout_ms
 * passes (-1: no limit).  Returns the new version, 0 on timeout, or
 * -errno.  Sleeps in poll() on sysfs; it does not spin.
 */
int64_t xpv_wait_change(uint64_t since, int timeout_ms);

/*
 * Parse a Linux CPU list ("0-3,8", empty, or either with one trailing
 * newline) and set its CPUs in @mask, @nbits bits long.  0, or -EINVAL
 * for a malformed list and -ERANGE for a CPU >= @nbits; @mask may have
 * been partly set then.
 */
int xpv_parse_cpulist(const char *s, uint64_t *mask, unsigned int nbits);

#ifdef __cplusplus
}
#endif

#endif /* LIBXPV_XPV_H */
