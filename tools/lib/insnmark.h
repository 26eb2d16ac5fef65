/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The markers the lab's xpv-insn TCG plugin (tools/insncount/plugin.c)
 * counts instructions between, on the guest CPU that runs them: no-ops
 * (xchg of a register with itself) without the plugin.
 *   MARK_START()   a sample's window opens   (xchg %bx,%bx)
 *   MARK_END()     it closes                 (xchg %cx,%cx)
 *   MARK_SERIES()  the series of samples ends (xchg %dx,%dx): the plugin
 *                  prints its median and quartiles
 */
#ifndef XPV_INSNMARK_H
#define XPV_INSNMARK_H

#define MARK_START()	asm volatile(".byte 0x66, 0x87, 0xdb" ::: "memory")
#define MARK_END()	asm volatile(".byte 0x66, 0x87, 0xc9" ::: "memory")
#define MARK_SERIES()	asm volatile(".byte 0x66, 0x87, 0xd2" ::: "memory")

#endif
