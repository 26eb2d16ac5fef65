/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPV_TEST_LINUX_SLAB_H
#define _XPV_TEST_LINUX_SLAB_H

#include <linux/mm.h>

#endif
