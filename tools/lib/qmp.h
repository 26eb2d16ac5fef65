/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small QMP client: connect to a QEMU monitor socket, negotiate
 * capabilities, send commands and take their replies (events skipped).
 * Used by xpv-qmp and xpvctl, which must work where no python or socat is.
 */
#ifndef XPV_TOOLS_QMP_H
#define XPV_TOOLS_QMP_H

#include <stddef.h>

#define QMP_TIMEOUT_MS	30000		/* for each reply */
#define QMP_LINE_MAX	(1 << 20)	/* longest reply taken */

struct qmp {
	int fd;
	size_t len;
	char buf[QMP_LINE_MAX];
	char line[QMP_LINE_MAX];
	char err[256];			/* why the last call failed */
};

/* Connect and negotiate; 0, or -1 with q->err set. */
int qmp_open(struct qmp *q, const char *path);
/*
 * Send one command (a JSON object, no newline) and wait for its reply,
 * left in q->line.  Returns 0 for a "return", 1 for an "error" reply, -1
 * on an I/O or protocol failure (q->err says what).
 */
int qmp_command(struct qmp *q, const char *json);
/*
 * Wait for the next asynchronous event (replies in between are dropped:
 * call it only with no command outstanding), left in q->line.  Returns
 * 0, 1 when none came within @timeout_ms (-1: no limit), or -1 when the
 * connection failed or closed (q->err says which).
 */
int qmp_event(struct qmp *q, int timeout_ms);
void qmp_close(struct qmp *q);

/*
 * The next JSON object in @s that opens at nesting depth @depth (the
 * reply itself is depth 0, the objects of a "return" array depth 2),
 * after *@pos (NULL to start).  Returns its '{' and sets *@pos past its
 * '}', or NULL when there is none.  Strings are skipped properly.  Call
 * it again with the same @depth to walk the objects at that depth.
 * QEMU keeps the members of an object in no particular order.
 */
const char *qmp_next_object(const char *s, int depth, const char **pos);

/*
 * The integer member @key of the object at @obj itself, not of objects
 * nested in it; -1 if it has none.
 */
long long qmp_member_int(const char *obj, const char *key);

#endif
