// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-qmp: send QMP commands to a QEMU monitor socket and print the
 * replies, one line each.  Scripts (the lab) use it where no socat or
 * python is at hand.
 *
 *   xpv-qmp SOCKET COMMAND-JSON...
 *
 * Each COMMAND-JSON is sent as is, after the capabilities negotiation;
 * the reply to it is printed on stdout.  Asynchronous events are skipped.
 * Exit status: 0 when every command succeeded, 1 when QEMU returned an
 * error (printed on stderr), 2 on a usage, connection or protocol error.
 */
#include <stdio.h>

#include "qmp.h"

static struct qmp q;

int main(int argc, char **argv)
{
	int i, r, status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: xpv-qmp SOCKET COMMAND-JSON...\n"
			"e.g.   xpv-qmp /tmp/vm.qmp '{\"execute\":\"query-status\"}'\n");
		return 2;
	}
	if (qmp_open(&q, argv[1])) {
		fprintf(stderr, "xpv-qmp: %s\n", q.err);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		r = qmp_command(&q, argv[i]);
		if (r < 0) {
			fprintf(stderr, "xpv-qmp: %s: %s\n", argv[i], q.err);
			return 2;
		}
		if (r) {
			fprintf(stderr, "xpv-qmp: %s: %s\n", argv[i], q.line);
			status = 1;
		} else {
			printf("%s\n", q.line);
		}
	}
	qmp_close(&q);
	return status;
}
