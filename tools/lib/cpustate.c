// SPDX-License-Identifier: GPL-2.0
#include "cpustate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hex value that follows "@key=" in @line, if any. */
static int reg(const char *line, const char *key, unsigned long long *v)
{
	const char *p = line;
	size_t len = strlen(key);
	char *end;

	while ((p = strstr(p, key))) {
		/* a register name starts a line or follows a blank */
		if ((p == line || p[-1] == ' ') && p[len] == '=') {
			*v = strtoull(p + len + 1, &end, 16);
			return end != p + len + 1;
		}
		p += len;
	}
	return 0;
}

static int dec(const char *line, const char *key, int *v)
{
	unsigned long long x;
	const char *p = strstr(line, key);

	if (!p || p[strlen(key)] != '=')
		return 0;
	x = strtoull(p + strlen(key) + 1, NULL, 10);
	*v = (int)x;
	return 1;
}

int cpustate_parse(const char *text, struct cpu_regs *cpus, int max)
{
	const char *line = text, *nl;
	struct cpu_regs *c = NULL;
	char buf[512];
	int n = 0;
	size_t len;

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (!strncmp(buf, "CPU#", 4) || (!c && (strstr(buf, "RAX=") ||
							strstr(buf, "EAX=")))) {
			if (n == max)
				break;
			c = &cpus[n++];
			memset(c, 0, sizeof(*c));
			c->index = !strncmp(buf, "CPU#", 4) ? atoi(buf + 4) : 0;
			c->cpl = c->hlt = -1;
			if (!strncmp(buf, "CPU#", 4))
				continue;
		}
		if (!c)
			continue;
		if (reg(buf, "RIP", &c->rip) || reg(buf, "EIP", &c->rip)) {
			c->has_rip = 1;
			dec(buf, "CPL", &c->cpl);
			dec(buf, "HLT", &c->hlt);
		}
		if (!reg(buf, "RSP", &c->rsp))
			reg(buf, "ESP", &c->rsp);
		reg(buf, "CR2", &c->cr2);
		reg(buf, "CR3", &c->cr3);
		reg(buf, "CR4", &c->cr4);
		reg(buf, "EFER", &c->efer);
	}
	return n;
}

size_t json_unescape(const char *s, char *out, size_t size)
{
	size_t n = 0;
	char c;

	if (!size)
		return 0;
	for (; *s && *s != '"' && n + 1 < size; s++) {
		c = *s;
		if (c == '\\' && s[1]) {
			switch (*++s) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				c = '?';
				if (s[1] && s[2] && s[3] && s[4]) {
					unsigned int u = 0;

					if (sscanf(s + 1, "%4x", &u) == 1 && u < 0x80)
						c = (char)u;
					s += 4;
				}
				break;
			default: c = *s; break;	/* \" \\ \/ */
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

int symmap_load(struct symmap *m, const char *path)
{
	unsigned long long a, last = 0;
	size_t cap = 0;
	char line[512], type, name[256];
	int sorted = 1;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3)
			continue;
		/*
		 * Absolute and per-CPU symbols (x86-64's per-CPU section
		 * links at 0) are no places in the code.
		 */
		if (type == 'a' || type == 'A' || !(a >> 63))
			continue;
		if (m->n == cap) {
			cap = cap ? cap * 2 : 4096;
			m->addr = realloc(m->addr, cap * sizeof(*m->addr));
			m->name = realloc(m->name, cap * sizeof(*m->name));
			if (!m->addr || !m->name) {
				fclose(f);
				symmap_free(m);
				errno = ENOMEM;
				return -1;
			}
		}
		if (a < last)
			sorted = 0;
		m->addr[m->n] = a;
		m->name[m->n++] = strdup(name);
		last = a;
	}
	fclose(f);
	if (!m->n || !sorted) {
		symmap_free(m);
		errno = EINVAL;	/* not a System.map */
		return -1;
	}
	return 0;
}

const char *symmap_lookup(const struct symmap *m, unsigned long long addr,
			  unsigned long long *off)
{
	size_t lo = 0, hi = m->n, mid;

	if (!m->n || addr < m->addr[0] || addr >= m->addr[m->n - 1])
		return NULL;	/* the last symbol is the image's end */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (m->addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - m->addr[lo];
	return m->name[lo];
}

void symmap_free(struct symmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->name[i]);
	free(m->addr);
	free(m->name);
	memset(m, 0, sizeof(*m));
}
