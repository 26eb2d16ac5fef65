// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-areapoke: corrupt a running guest's XPV topology area from the host,
 * as a buggy or hostile host (or a stray write in the guest) would, to
 * test that the guest survives it.  Run as root on the host, where the
 * guest's QEMU runs (the lab's L1).
 *
 *   xpv-areapoke PID GPA show
 *       print the area's header (GPA: the area's guest-physical address,
 *       as the guest wrote it to MSR_KVM_XPV_AREA, bit 0 ignored)
 *   xpv-areapoke PID GPA FIELD VALUE
 *       set a header field (magic, abi_version, header_size, seq, flags,
 *       version, nr_pnodes, chunk_shift, nr_vcpus, nr_chunks,
 *       distance_offset, vcpu_offset, chunk_offset, area_size), or
 *       vcpu:N / chunk:N (the pnode entry of vCPU N or chunk N) or
 *       distance:N (byte N of the distance matrix)
 *   xpv-areapoke PID GPA random LEN [SEED]
 *       overwrite the first LEN bytes with pseudo-random ones
 *
 * The layout is the uapi header's, the one definition of the ABI.  The
 * guest's RAM is the QEMU process's largest anonymous mapping (lib/vmram.c);
 * writes go through /proc/PID/mem.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../linux-host/arch/x86/include/uapi/asm/kvm_xpv.h"
#include "vmram.h"

static int mem_fd;
static unsigned long ram, ram_size;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "xpv-areapoke: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void access_guest(uint64_t gpa, void *buf, size_t len, int write)
{
	ssize_t n;

	if (gpa >= ram_size || len > ram_size - gpa)
		die("%s: outside the guest's RAM", write ? "write" : "read");
	if (write)
		n = pwrite(mem_fd, buf, len, ram + gpa);
	else
		n = pread(mem_fd, buf, len, ram + gpa);
	if (n != (ssize_t)len)
		die("/proc/PID/mem: %s", strerror(n < 0 ? errno : EIO));
}

static const struct field {
	const char *name;
	size_t off, size;
} fields[] = {
#define F(m) { #m, offsetof(struct kvm_xpv_header, m), \
	       sizeof(((struct kvm_xpv_header *)0)->m) }
	F(magic), F(abi_version), F(header_size), F(seq), F(flags),
	F(version), F(nr_pnodes), F(chunk_shift), F(nr_vcpus), F(nr_chunks),
	F(distance_offset), F(vcpu_offset), F(chunk_offset), F(area_size),
#undef F
};

/* The little-endian integer of @size bytes at @gpa (x86 hosts only). */
static uint64_t get(uint64_t gpa, size_t size)
{
	uint64_t v = 0;

	access_guest(gpa, &v, size, 0);
	return v;
}

static void set(uint64_t gpa, size_t size, uint64_t v)
{
	access_guest(gpa, &v, size, 1);
}

static void show(uint64_t gpa)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("%s=%" PRIu64 "%c", fields[i].name,
		       get(gpa + fields[i].off, fields[i].size),
		       i + 1 < sizeof(fields) / sizeof(fields[0]) ? ' ' : '\n');
}

static const struct field *field(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(name, fields[i].name))
			return &fields[i];
	return NULL;
}

/* NAME's guest-physical address and size in the area at @gpa. */
static void locate(uint64_t gpa, const char *name, uint64_t *at, size_t *size)
{
	const struct field *f = field(name), *tab = NULL;
	unsigned long n;
	char *end;

	if (f) {
		*at = gpa + f->off;
		*size = f->size;
		return;
	}
	if (!strncmp(name, "vcpu:", 5))
		tab = field("vcpu_offset");
	else if (!strncmp(name, "chunk:", 6))
		tab = field("chunk_offset");
	else if (!strncmp(name, "distance:", 9))
		tab = field("distance_offset");
	if (!tab)
		die("unknown field %s", name);
	errno = 0;
	n = strtoul(strchr(name, ':') + 1, &end, 0);
	if (errno || *end)
		die("bad index in %s", name);
	*size = strncmp(name, "distance:", 9) ? 2 : 1;
	*at = gpa + get(gpa + tab->off, tab->size) + n * *size;
}

int main(int argc, char **argv)
{
	uint64_t gpa, v, at;
	char path[64], *end;
	size_t size, len, i;
	unsigned int seed;
	uint8_t *buf;
	int pid;

	if (argc < 4) {
		fprintf(stderr, "usage: xpv-areapoke PID GPA show|FIELD VALUE|random LEN [SEED]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	errno = 0;
	gpa = strtoull(argv[2], &end, 0) & ~(uint64_t)KVM_XPV_AREA_ENABLE;
	if (errno || *end || gpa % KVM_XPV_AREA_ALIGN)
		die("bad area address %s", argv[2]);
	if (vm_ram(pid, &ram, &ram_size))
		die("no guest RAM in process %s", argv[1]);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem_fd = open(path, O_RDWR);
	if (mem_fd < 0)
		die("cannot open %s", path);
	if (get(gpa, 4) != KVM_XPV_MAGIC)
		fprintf(stderr, "xpv-areapoke: note: no XPV magic at %s\n", argv[2]);

	if (!strcmp(argv[3], "show")) {
		show(gpa);
		return 0;
	}
	if (argc < 5)
		die("%s needs a value", argv[3]);
	errno = 0;
	v = strtoull(argv[4], &end, 0);
	if (errno || *end)
		die("bad number %s", argv[4]);
	if (!strcmp(argv[3], "random")) {
		len = v;
		seed = argc > 5 ? (unsigned int)atoi(argv[5]) : 1;
		buf = malloc(len ? len : 1);
		if (!buf)
			die("%s", "out of memory");
		srandom(seed);
		for (i = 0; i < len; i++)
			buf[i] = random() & 0xff;
		access_guest(gpa, buf, len, 1);
		free(buf);
		return 0;
	}
	locate(gpa, argv[3], &at, &size);
	set(at, size, v);
	return 0;
}
