/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the XPV selftests: the host's NUMA nodes, and a
 * consistent host-side copy of a VM's topology area.
 */
#ifndef SELFTEST_KVM_XPV_UTIL_H
#define SELFTEST_KVM_XPV_UTIL_H

#include <asm/kvm_xpv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "test_util.h"

/* The CPUs of host node @node (at most @max), from sysfs; 0 if none. */
static inline int xpv_node_cpus(int node, int *cpus, int max)
{
	char path[128], buf[1024], *p = buf, *end;
	long a, b;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (*p && *p != '\n' && n < max) {
		a = strtol(p, &end, 10);
		if (end == p)
			break;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b && n < max; a++)
			cpus[n++] = a;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* The first CPU of host node @node, or -1. */
static inline int xpv_node_cpu0(int node)
{
	int cpus[1];

	return xpv_node_cpus(node, cpus, 1) ? cpus[0] : -1;
}

/*
 * Copy @len bytes of the area at @hva into @buf between two equal, even
 * reads of seq, as a guest would.  Returns false if KVM kept writing.
 */
static inline bool xpv_host_copy(const void *hva, void *buf, size_t len)
{
	const struct kvm_xpv_header *h = hva;
	uint32_t seq;
	int i;

	for (i = 0; i < 100000; i++) {
		seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(buf, hva, len);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) == seq)
			return true;
	}
	return false;
}

/*
 * A vCPU statistic, as a VMM reads it.  Opening the statistics takes the
 * vCPU's mutex: call it while the vCPU is not in KVM_RUN.
 */
static inline uint64_t xpv_vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs, *d;
	int fd = vcpu_get_stats_fd(vcpu), i;
	uint64_t data = ~0ULL;

	read_stats_header(fd, &header);
	descs = read_stats_descriptors(fd, &header);
	for (i = 0; i < header.num_desc; i++) {
		d = get_stats_descriptor(descs, i, &header);
		if (!strcmp(d->name, name)) {
			read_stat_data(fd, &header, d, &data, 1);
			break;
		}
	}
	free(descs);
	close(fd);
	return data;
}

/* CLOCK_MONOTONIC in milliseconds. */
static inline uint64_t xpv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

#endif /* SELFTEST_KVM_XPV_UTIL_H */
