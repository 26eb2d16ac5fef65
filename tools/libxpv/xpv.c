// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libxpv: find the XPV vDSO calls through getauxval(AT_SYSINFO_EHDR),
 * fall back to /sys/devices/system/xpv.  See xpv.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "xpv.h"

typedef uint64_t (*vdso_version_fn)(void);
typedef long (*vdso_getnode_fn)(unsigned int *, unsigned int *);

static pthread_once_t xpv_once = PTHREAD_ONCE_INIT;
static const char *xpv_root_arg;
static char xpv_dir[PATH_MAX - 64];
static enum xpv_backend xpv_be;
static vdso_version_fn vdso_version;
static vdso_getnode_fn vdso_getnode;

const char *xpv_backend_name(enum xpv_backend b)
{
	switch (b) {
	case XPV_BACKEND_VDSO:
		return "vdso";
	case XPV_BACKEND_SYSFS:
		return "sysfs";
	default:
		return "none";
	}
}

/*
 * Look @name up in the vDSO's dynamic symbol table.  The vDSO is an ELF
 * shared object the kernel maps; walk it through its program headers,
 * never past what they describe.
 */
static void *vdso_sym(const char *name)
{
	const ElfW(Ehdr) *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const ElfW(Phdr) *ph;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const Elf32_Word *hash = NULL;
	uintptr_t base, load_offset = 0;
	size_t strsz = 0, nsyms, i;
	int have_load = 0;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh->e_phentsize != sizeof(ElfW(Phdr)))
		return NULL;
	base = (uintptr_t)eh;
	ph = (const void *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load_offset = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const void *)(base + ph[i].p_offset);
		}
	}
	if (!have_load || !dyn)
		return NULL;
	for (i = 0; dyn[i].d_tag != DT_NULL && i < 64; i++) {
		uintptr_t p = dyn[i].d_un.d_ptr + load_offset;

		switch (dyn[i].d_tag) {
		case DT_SYMTAB:
			symtab = (const void *)p;
			break;
		case DT_STRTAB:
			strtab = (const void *)p;
			break;
		case DT_STRSZ:
			strsz = dyn[i].d_un.d_val;
			break;
		case DT_HASH:
			hash = (const void *)p;
			break;
		}
	}
	if (!symtab || !strtab || !hash || !strsz)
		return NULL;
	nsyms = hash[1];	/* nchain: one per symbol */
	for (i = 0; i < nsyms && i < 4096; i++) {
		const ElfW(Sym) *s = &symtab[i];

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC ||
		    s->st_shndx == SHN_UNDEF || s->st_name >= strsz)
			continue;
		if (!strncmp(strtab + s->st_name, name, strsz - s->st_name))
			return (void *)(s->st_value + load_offset);
	}
	return NULL;
}

static void xpv_do_init(void)
{
	const char *root = xpv_root_arg ? xpv_root_arg : "/sys";
	char path[PATH_MAX];

	/* A root too long for its paths is no XPV. */
	if (snprintf(xpv_dir, sizeof(xpv_dir), "%s/devices/system/xpv", root) >=
	    (int)sizeof(xpv_dir))
		xpv_dir[0] = '\0';
	snprintf(path, sizeof(path), "%s/version", xpv_dir);
	if (!xpv_dir[0] || access(path, R_OK)) {
		xpv_be = XPV_BACKEND_NONE;
		return;
	}
	xpv_be = XPV_BACKEND_SYSFS;
	/* A different sysfs root is not this kernel's vDSO. */
	if (xpv_root_arg)
		return;
	vdso_version = (vdso_version_fn)vdso_sym("__vdso_xpv_version");
	vdso_getnode = (vdso_getnode_fn)vdso_sym("__vdso_xpv_getnode");
	if (vdso_version && vdso_getnode)
		xpv_be = XPV_BACKEND_VDSO;
}

enum xpv_backend xpv_init(const char *sysfs_root)
{
	xpv_root_arg = sysfs_root;
	pthread_once(&xpv_once, xpv_do_init);
	return xpv_be;
}

static void xpv_ensure(void)
{
	pthread_once(&xpv_once, xpv_do_init);
}

/* Read a sysfs file under the xpv directory into @buf; -errno on error. */
static int xpv_read(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", xpv_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return n;
}

static int xpv_read_u64(const char *name, uint64_t *v)
{
	char buf[64], *end;
	int r = xpv_read(name, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

uint64_t xpv_version(void)
{
	uint64_t v;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_VDSO)
		return vdso_version();
	if (xpv_be == XPV_BACKEND_NONE || xpv_read_u64("version", &v))
		return 0;
	return v;
}

/* One number of a CPU list; -errno unless it is a decimal below @nbits. */
static int parse_cpu(const char **s, unsigned int nbits, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	*v = strtoul(*s, &end, 10);
	if (errno || *v >= nbits)
		return -ERANGE;
	*s = end;
	return 0;
}

int xpv_parse_cpulist(const char *s, uint64_t *mask, unsigned int nbits)
{
	unsigned long a, b;
	int r;

	if (*s == '\n' && s[1] == '\0')
		s++;
	while (*s) {
		r = parse_cpu(&s, nbits, &a);
		if (r)
			return r;
		b = a;
		if (*s == '-') {
			s++;
			r = parse_cpu(&s, nbits, &b);
			if (r)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (; a <= b; a++)
			mask[a / 64] |= 1ULL << (a % 64);
		if (*s == ',') {
			s++;
			if (!*s || *s == '\n')
				return -EINVAL;
		} else if (*s == '\n' && s[1] == '\0') {
			s++;
		} else if (*s) {
			return -EINVAL;
		}
	}
	return 0;
}

int xpv_nr_pnodes(void)
{
	uint64_t v;
	int r;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_NONE)
		return -ENODEV;
	r = xpv_read_u64("nr_pnodes", &v);
	if (r)
		return r;
	return v > XPV_MAX_PNODES ? -ERANGE : (int)v;
}

int xpv_cpu_pnode(unsigned int cpu)
{
	char name[64], buf[4096];
	uint64_t mask[1024 / 64];
	int n, p, r;

	if (cpu >= 1024)
		return -ERANGE;
	n = xpv_nr_pnodes();
	if (n < 0)
		return n;
	for (p = 0; p < n; p++) {
		snprintf(name, sizeof(name), "pnode%d/cpulist", p);
		r = xpv_read(name, buf, sizeof(buf));
		if (r < 0)
			return r;
		memset(mask, 0, sizeof(mask));
		r = xpv_parse_cpulist(buf, mask, 1024);
		if (r)
			return r;
		if (mask[cpu / 64] & (1ULL << (cpu % 64)))
			return p;
	}
	return -ENOENT;
}

int xpv_getnode(unsigned int *cpu, unsigned int *pnode)
{
	int c, p;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_VDSO)
		return vdso_getnode(cpu, pnode);
	if (xpv_be == XPV_BACKEND_NONE)
		return -ENODEV;
	c = sched_getcpu();
	if (c < 0)
		return -errno;
	if (cpu)
		*cpu = c;
	p = xpv_cpu_pnode(c);
	if (p < 0)
		return p;
	if (pnode)
		*pnode = p;
	return 0;
}

int xpv_distance(unsigned int from, unsigned int to)
{
	char buf[XPV_MAX_PNODES * 4 + 2], name[64], *s, *end;
	unsigned long d;
	int n, r;
	unsigned int i;

	n = xpv_nr_pnodes();
	if (n < 0)
		return n;
	if (from >= (unsigned int)n || to >= (unsigned int)n)
		return -ERANGE;
	snprintf(name, sizeof(name), "pnode%u/distance", from);
	r = xpv_read(name, buf, sizeof(buf));
	if (r < 0)
		return r;
	s = buf;
	for (i = 0; i <= to; i++) {
		errno = 0;
		d = strtoul(s, &end, 10);
		if (errno || end == s)
			return -EINVAL;
		s = end;
	}
	return d > 255 ? -EINVAL : (int)d;
}

int xpv_pnode_cpulist(unsigned int pnode, char *buf, size_t size)
{
	char name[64];
	int r;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_NONE)
		return -ENODEV;
	if (size < 2)
		return -EINVAL;
	snprintf(name, sizeof(name), "pnode%u/cpulist", pnode);
	r = xpv_read(name, buf, size);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int64_t xpv_pnode_memory(unsigned int pnode)
{
	char name[64], buf[256], *kb;
	int r;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_NONE)
		return -ENODEV;
	snprintf(name, sizeof(name), "pnode%u/meminfo", pnode);
	r = xpv_read(name, buf, sizeof(buf));
	if (r < 0)
		return r;
	kb = strstr(buf, "MemTotal:");
	if (!kb)
		return -EINVAL;
	return (int64_t)strtoull(kb + strlen("MemTotal:"), NULL, 10) * 1024;
}

int64_t xpv_wait_change(uint64_t since, int timeout_ms)
{
	char path[PATH_MAX], buf[64];
	struct timespec now, end;
	struct pollfd pfd;
	int fd, r, wait;
	uint64_t v;

	xpv_ensure();
	if (xpv_be == XPV_BACKEND_NONE)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/version", xpv_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	for (;;) {
		/* sysfs poll: read to arm, then wait for POLLPRI. */
		r = pread(fd, buf, sizeof(buf) - 1, 0);
		if (r < 0) {
			r = -errno;
			break;
		}
		buf[r] = '\0';
		v = strtoull(buf, NULL, 10);
		if (v != since) {
			close(fd);
			return (int64_t)v;
		}
		wait = -1;
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			wait = (end.tv_sec - now.tv_sec) * 1000 +
			       (end.tv_nsec - now.tv_nsec) / 1000000;
			if (wait <= 0) {
				r = 0;
				break;
			}
		}
		pfd.fd = fd;
		pfd.events = POLLPRI | POLLERR;
		r = poll(&pfd, 1, wait);
		if (r < 0) {
			r = -errno;
			break;
		}
		if (r == 0)
			break;	/* timed out */
	}
	close(fd);
	return r;
}
