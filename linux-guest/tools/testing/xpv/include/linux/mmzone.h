/* SPDX-License-Identifier: GPL-2.0 */
/* x86-64's values, with 4-level page tables. */
#ifndef _XPV_TEST_LINUX_MMZONE_H
#define _XPV_TEST_LINUX_MMZONE_H

#define MAX_PAGE_ORDER		10
#define MAX_PHYSMEM_BITS	46

#endif
