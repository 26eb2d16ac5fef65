/* SPDX-License-Identifier: GPL-2.0 */
/* x86-64's values. */
#ifndef _XPV_TEST_ASM_PAGE_TYPES_H
#define _XPV_TEST_ASM_PAGE_TYPES_H

#define PAGE_SHIFT	12
#define PMD_SHIFT	21

#endif
