/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a dead or hung VM was doing: the CPU state QEMU's monitor prints
 * ("info registers -a") and kernel symbols from a System.map, so that the
 * lab can say "L2 triple-faulted at RIP x (symbol)".
 */
#ifndef XPV_TOOLS_CPUSTATE_H
#define XPV_TOOLS_CPUSTATE_H

#include <stddef.h>

#define CPUSTATE_MAX_CPUS	64

struct cpu_regs {
	int index;			/* CPU#n of the dump */
	int has_rip;
	unsigned long long rip;		/* RIP=, or EIP= outside long mode */
	unsigned long long rsp;
	unsigned long long cr2, cr3, cr4, efer;
	int cpl, hlt;
};

/*
 * Parse the text of "info registers -a" (or of "info registers", one
 * CPU) into @cpus; returns the number of CPUs found (at most @max).
 */
int cpustate_parse(const char *text, struct cpu_regs *cpus, int max);

/*
 * Decode the JSON string that starts at @s (just past its opening '"')
 * into @out (NUL-terminated, at most @size bytes); returns the length.
 * \uXXXX escapes outside ASCII become '?'.
 */
size_t json_unescape(const char *s, char *out, size_t size);

struct symmap {
	size_t n;
	unsigned long long *addr;	/* sorted */
	char **name;
};

/* Load a System.map (or /proc/kallsyms); 0, or -1 with errno set. */
int symmap_load(struct symmap *m, const char *path);
/*
 * The symbol at or below @addr, and @addr's offset from it; NULL when
 * @addr is below the first symbol or past the kernel's end ("_end").
 */
const char *symmap_lookup(const struct symmap *m, unsigned long long addr,
			  unsigned long long *off);
void symmap_free(struct symmap *m);

#endif
