/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPV_TEST_LINUX_SCHED_H
#define _XPV_TEST_LINUX_SCHED_H

#define cond_resched()	do { } while (0)

#endif
