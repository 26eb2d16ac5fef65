/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPV_TEST_LINUX_MM_H
#define _XPV_TEST_LINUX_MM_H

#include <stddef.h>
#include <stdlib.h>

#define GFP_KERNEL	0U
/* The harness's: it can make an allocation fail. */
void *kvzalloc(size_t size, unsigned int gfp);

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
