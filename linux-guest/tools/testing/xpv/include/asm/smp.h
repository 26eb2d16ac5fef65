/* SPDX-License-Identifier: GPL-2.0 */
/* The APIC id of each of the fuzzer guest's CPUs: set by the harness. */
#ifndef _XPV_TEST_ASM_SMP_H
#define _XPV_TEST_ASM_SMP_H

#include <linux/types.h>

extern u32 xpv_test_apicid[];
#define cpu_physical_id(cpu)	(xpv_test_apicid[(cpu)])

#endif
