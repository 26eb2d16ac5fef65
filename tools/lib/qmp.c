// SPDX-License-Identifier: GPL-2.0
#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(struct qmp *q, const char *fmt, const char *arg)
{
	snprintf(q->err, sizeof(q->err), fmt, arg);
	return -1;
}

/*
 * The next newline-terminated message into q->line: 0, 1 when none came
 * within @timeout_ms (-1: wait for ever), or -1 with q->err set.
 */
static int read_line_within(struct qmp *q, int timeout_ms)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	while (!(nl = memchr(q->buf, '\n', q->len))) {
		if (q->len == sizeof(q->buf))
			return fail(q, "%s", "reply longer than 1 MiB");
		n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return 1;
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(q, "read from the monitor: %s", strerror(errno));
		if (n == 0)
			return fail(q, "%s", "the monitor closed the connection");
		q->len += n;
	}
	*nl = '\0';
	memcpy(q->line, q->buf, nl - q->buf + 1);
	q->len -= nl - q->buf + 1;
	memmove(q->buf, nl + 1, q->len);
	return 0;
}

/* The next message, within QMP_TIMEOUT_MS; 0 or -1. */
static int read_line(struct qmp *q)
{
	int r = read_line_within(q, QMP_TIMEOUT_MS);

	if (r > 0)
		return fail(q, "%s", "no answer from the monitor within 30 s");
	return r;
}

static int is_event(const char *line)
{
	return !strncmp(line, "{\"event\"", 8) ||
	       !strncmp(line, "{\"timestamp\"", 12);
}

int qmp_event(struct qmp *q, int timeout_ms)
{
	int r;

	do {
		r = read_line_within(q, timeout_ms);
		if (r)
			return r;
	} while (!is_event(q->line));
	return 0;
}

/* The next message that is not an event. */
static int read_reply(struct qmp *q)
{
	do {
		if (read_line(q))
			return -1;
	} while (!q->line[0] || is_event(q->line));
	return 0;
}

static int send_all(struct qmp *q, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(q->fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(q, "write to the monitor: %s", strerror(errno));
		s += n;
		len -= n;
	}
	return 0;
}

int qmp_command(struct qmp *q, const char *json)
{
	if (strchr(json, '\n'))
		return fail(q, "%s", "a command must be one line");
	if (send_all(q, json, strlen(json)) || send_all(q, "\n", 1) ||
	    read_reply(q))
		return -1;
	if (!strncmp(q->line, "{\"return\"", 9))
		return 0;
	if (!strncmp(q->line, "{\"error\"", 8))
		return 1;
	return fail(q, "unexpected reply: %.200s", q->line);
}

int qmp_open(struct qmp *q, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	q->len = 0;
	q->err[0] = '\0';
	q->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(q, "socket path too long: %.100s", path);
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(q->err, sizeof(q->err), "cannot connect to %.100s: %s",
			 path, strerror(errno));
		qmp_close(q);
		return -1;
	}
	if (read_line(q) || !strstr(q->line, "\"QMP\"")) {
		if (!q->err[0])
			fail(q, "%s", "not a QMP monitor (no greeting)");
		qmp_close(q);
		return -1;
	}
	if (qmp_command(q, "{\"execute\":\"qmp_capabilities\"}")) {
		if (!q->err[0])
			fail(q, "capabilities negotiation failed: %.200s", q->line);
		qmp_close(q);
		return -1;
	}
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* Past the string that starts at @p (a '"'). */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

const char *qmp_next_object(const char *s, int depth, const char **pos)
{
	const char *p = *pos ? *pos : s, *start = NULL;
	/* *pos is just past an object that closed back at @depth. */
	int d = *pos ? depth : 0;

	while (*p) {
		if (*p == '"') {
			p = skip_string(p);
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (*p == '{' && d == depth && !start)
				start = p;
			d++;
		} else if (*p == '}' || *p == ']') {
			d--;
			if (start && d == depth) {
				*pos = p + 1;
				return start;
			}
		}
		p++;
	}
	*pos = p;
	return NULL;
}

long long qmp_member_int(const char *obj, const char *key)
{
	size_t len = strlen(key);
	const char *p = obj + 1;
	char *end;
	long long v;
	int d = 0;

	while (*p && d >= 0) {
		if (*p == '"') {
			if (!d && !strncmp(p + 1, key, len) && p[len + 1] == '"' &&
			    p[len + 2] == ':') {
				p += len + 3;
				while (*p == ' ')
					p++;
				v = strtoll(p, &end, 10);
				return end == p ? -1 : v;
			}
			p = skip_string(p);
			continue;
		}
		if (*p == '{' || *p == '[')
			d++;
		else if (*p == '}' || *p == ']')
			d--;
		p++;
	}
	return -1;
}
