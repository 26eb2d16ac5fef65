// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the QMP client (lib/qmp.c) against a scripted monitor:
 * a child process that speaks QMP on a UNIX socket the way QEMU does.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qmp.h"
#include "runner.h"

static struct qmp q;
static char path[108];

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\n"

/*
 * A monitor that, per command line it reads, writes the next reply of
 * @replies (several lines each, events first, as QEMU may); then closes.
 */
static pid_t monitor(const char *const *replies)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, c, i;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "/tmp/xpv-test-qmp-%d.sock", getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1)) {
		perror("monitor socket");
		exit(1);
	}
	pid = fork();
	if (pid) {
		close(s);
		return pid;
	}
	c = accept(s, NULL, NULL);
	if (write(c, GREETING, strlen(GREETING)) < 0)
		_exit(1);
	for (i = 0; replies[i]; i++) {
		/* one command line in */
		do
			n = read(c, buf, sizeof(buf));
		while (n > 0 && !memchr(buf, '\n', n));
		if (n <= 0)
			_exit(0);
		if (write(c, replies[i], strlen(replies[i])) < 0)
			_exit(1);
	}
	close(c);
	_exit(0);
}

static void reap(pid_t pid)
{
	waitpid(pid, NULL, 0);
	unlink(path);
}

TEST(commands_replies_and_events)
{
	static const char *const replies[] = {
		"{\"return\": {}}\n",
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\n"
		"{\"return\": {\"version\": 12, \"vcpus\": [{\"cpu-index\": 1, \"thread-id\": 4242}]}}\n",
		"{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command query-xpv has not been found\"}}\n",
		NULL,
	};
	pid_t pid = monitor(replies);
	const char *pos, *obj;

	CHECK(qmp_open(&q, path) == 0);
	CHECK(qmp_command(&q, "{\"execute\":\"query-xpv\"}") == 0);
	CHECK(strstr(q.line, "\"version\": 12") != NULL);
	pos = NULL;
	obj = qmp_next_object(q.line, 1, &pos);	/* the "return" object */
	CHECK(obj && qmp_member_int(obj, "version") == 12);
	CHECK(obj && qmp_member_int(obj, "no-such-key") == -1);
	pos = NULL;
	obj = qmp_next_object(q.line, 3, &pos);	/* its "vcpus" object */
	CHECK(obj && qmp_member_int(obj, "thread-id") == 4242);
	CHECK(qmp_command(&q, "{\"execute\":\"query-xpv\"}") == 1);
	CHECK(strstr(q.line, "CommandNotFound") != NULL);
	/* the monitor went away: an error, not a hang or a crash */
	CHECK(qmp_command(&q, "{\"execute\":\"query-status\"}") == -1);
	CHECK(q.err[0] != '\0');
	CHECK(qmp_command(&q, "{\"execute\":\n\"x\"}") == -1);
	qmp_close(&q);
	reap(pid);
}

TEST(refuses_what_is_not_a_monitor)
{
	static const char *const none[] = { NULL };

	CHECK(qmp_open(&q, "/nonexistent/xpv.sock") == -1);
	CHECK(strstr(q.err, "cannot connect") != NULL);
	/* a monitor that refuses the capabilities negotiation */
	{
		static const char *const refuse[] = {
			"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\n",
			NULL,
		};
		pid_t pid = monitor(refuse);

		CHECK(qmp_open(&q, path) == -1);
		CHECK(strstr(q.err, "capabilities") != NULL);
		reap(pid);
	}
	/* one that closes after its greeting */
	{
		pid_t pid = monitor(none);

		CHECK(qmp_open(&q, path) == -1);
		reap(pid);
	}
}

/* A real query-cpus-fast reply: members in no order, a nested thread-id. */
TEST(objects_and_their_own_members)
{
	static const char reply[] =
		"{\"return\": [{\"thread-id\": 110, \"props\": {\"core-id\": 0, "
		"\"thread-id\": 0, \"socket-id\": 0}, \"qom-path\": "
		"\"/machine/unattached/device[0]\", \"cpu-index\": 0, \"target\": "
		"\"x86_64\"}, {\"thread-id\": 111, \"props\": {\"core-id\": 1, "
		"\"thread-id\": 0, \"socket-id\": 0}, \"qom-path\": "
		"\"/machine/{odd} \\\"name\\\" [2]\", \"cpu-index\": 1, \"target\": "
		"\"x86_64\"}]}";
	const char *pos = NULL, *obj;
	long long tid[2] = { -1, -1 }, idx;
	int n = 0;

	while ((obj = qmp_next_object(reply, 2, &pos))) {
		idx = qmp_member_int(obj, "cpu-index");
		if (idx >= 0 && idx < 2)
			tid[idx] = qmp_member_int(obj, "thread-id");
		n++;
	}
	CHECK(n == 2);
	CHECK(tid[0] == 110);
	CHECK(tid[1] == 111);
	pos = NULL;
	obj = qmp_next_object(reply, 3, &pos);	/* the "props" objects */
	CHECK(obj && qmp_member_int(obj, "thread-id") == 0 &&
	      qmp_member_int(obj, "core-id") == 0);
	obj = qmp_next_object(reply, 3, &pos);
	CHECK(obj && qmp_member_int(obj, "core-id") == 1);
	CHECK(!qmp_next_object(reply, 3, &pos));
	CHECK(qmp_member_int(reply, "thread-id") == -1);	/* not its own */
}

/* The same data as virsh qemu-monitor-command passes it on: no spaces. */
TEST(compact_replies_from_libvirt)
{
	static const char reply[] =
		"{\"return\":[{\"thread-id\":203,\"props\":{\"thread-id\":0},"
		"\"cpu-index\":1},{\"cpu-index\":0,\"thread-id\":202}],"
		"\"id\":\"libvirt-17\"}";
	const char *pos = NULL, *obj;

	obj = qmp_next_object(reply, 2, &pos);
	CHECK(obj && qmp_member_int(obj, "cpu-index") == 1 &&
	      qmp_member_int(obj, "thread-id") == 203);
	obj = qmp_next_object(reply, 2, &pos);
	CHECK(obj && qmp_member_int(obj, "cpu-index") == 0 &&
	      qmp_member_int(obj, "thread-id") == 202);
	CHECK(!qmp_next_object(reply, 2, &pos));
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return run_tests();
}
