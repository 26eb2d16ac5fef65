/* SPDX-License-Identifier: GPL-2.0 */
/* The CPUs of the fuzzer's guest: set by the harness. */
#ifndef _XPV_TEST_LINUX_CPUMASK_H
#define _XPV_TEST_LINUX_CPUMASK_H

#include <limits.h>
#include <linux/types.h>

extern unsigned int nr_cpu_ids;

static inline unsigned int *xpv_test_cpu_first(unsigned int *cpu)
{
	*cpu = UINT_MAX;	/* the first increment makes it 0 */
	return cpu;
}

static inline bool xpv_test_cpu_next(unsigned int *cpu)
{
	return ++*cpu < nr_cpu_ids;
}

/* Every CPU is possible; @cpu is evaluated once. */
#define for_each_possible_cpu(cpu)					\
	for (unsigned int *__cpu = xpv_test_cpu_first(&(cpu));		\
	     xpv_test_cpu_next(__cpu);)

#endif
