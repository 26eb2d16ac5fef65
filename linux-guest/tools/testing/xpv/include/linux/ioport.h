/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzzer's guest RAM map: walk_system_ram_range() is the harness's. */
#ifndef _XPV_TEST_LINUX_IOPORT_H
#define _XPV_TEST_LINUX_IOPORT_H

int walk_system_ram_range(unsigned long start_pfn, unsigned long nr_pages,
			  void *arg, int (*func)(unsigned long, unsigned long,
						 void *));

#endif
