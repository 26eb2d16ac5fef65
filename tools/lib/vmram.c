// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>

#include "vmram.h"

int vm_ram(int pid, unsigned long *start, unsigned long *size)
{
	char path[64], line[512], name[256];
	unsigned long s, e;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	*size = 0;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &s, &e, name) < 2)
			continue;
		if (name[0] == '\0' && e - s > *size) {
			*start = s;
			*size = e - s;
		}
	}
	fclose(f);
	return *size ? 0 : -ENOENT;
}
