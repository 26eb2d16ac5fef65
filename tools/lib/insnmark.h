/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The markers the lab's xpv-insn TCG plugin (tools/insncount/plugin.c)
 * counts instructions between, on the guest CPU that runs them: no-ops
 * (xchg of a register with itself) without the plugin.
 *   MARK_START()   a sample's window opens   (xchg %bx,%bx)
 *   MARK_END()     it closes                 (xchg %cx,%cx)
 *   MARK_SERIES()  the series of samples ends (xchg %dx,%dx): the plugin
 *                  prints its median and quartiles
 *   MARK_IRQ_ON()  count interrupt windows (xchg %si,%si): from the entry
 *                  the plugin was given to the next iretq, on any vCPU
 *   MARK_IRQ_OFF() stop, and print them as a series (xchg %di,%di)
 */
#ifndef XPV_INSNMARK_H
#define XPV_INSNMARK_H

#define MARK_START()	asm volatile(".byte 0x66, 0x87, 0xdb" ::: "memory")
#define MARK_END()	asm volatile(".byte 0x66, 0x87, 0xc9" ::: "memory")
#define MARK_SERIES()	asm volatile(".byte 0x66, 0x87, 0xd2" ::: "memory")
#define MARK_IRQ_ON()	asm volatile(".byte 0x66, 0x87, 0xf6" ::: "memory")
#define MARK_IRQ_OFF()	asm volatile(".byte 0x66, 0x87, 0xff" ::: "memory")

#include <sched.h>	/* CPU_SET: the includer defines _GNU_SOURCE */

/*
 * Run on CPU 0 from now on: the plugin counts each vCPU apart, and a
 * scenario names the series of one CPU in the order they end.  0, or -1
 * with errno (sched_setaffinity()).
 */
static inline int insn_on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

#endif
