/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPV_TEST_LINUX_PFN_H
#define _XPV_TEST_LINUX_PFN_H

#include <asm/page_types.h>

#define PFN_PHYS(x)	((u64)(x) << PAGE_SHIFT)
#define PHYS_PFN(x)	((unsigned long)((x) >> PAGE_SHIFT))

#endif
