/* SPDX-License-Identifier: GPL-2.0 */
/* What xpv_area.c uses of <linux/kernel.h> and friends, in user space. */
#ifndef _XPV_TEST_LINUX_KERNEL_H
#define _XPV_TEST_LINUX_KERNEL_H

#include <string.h>
#include <linux/types.h>

/* x86 is little-endian: the area's fields are used as they are. */
#define le16_to_cpu(x)	((u16)(x))
#define le32_to_cpu(x)	((u32)(x))
#define le64_to_cpu(x)	((u64)(x))

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

static inline unsigned long min(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

#define BITS_PER_LONG		(8 * sizeof(long))
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

#endif
