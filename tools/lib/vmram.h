/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a QEMU process keeps its guest's RAM: the largest anonymous
 * mapping of the process.  For the lab's guests (pc machine, RAM below
 * 3.5 GiB) guest-physical address A is at host virtual address start + A.
 */
#ifndef XPV_TOOLS_VMRAM_H
#define XPV_TOOLS_VMRAM_H

/* 0 and the mapping of process @pid, or -errno (-ENOENT: none). */
int vm_ram(int pid, unsigned long *start, unsigned long *size);

#endif
