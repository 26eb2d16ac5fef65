/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small unit test runner with TAP output ("ok N - name"), which the
 * project's `make test` counts.  A test is a function; CHECK() records a
 * failure with file:line and the failed expression and goes on, so one
 * run shows every broken assertion.
 *
 *	TEST(cpulist_roundtrip) { CHECK(x == 1); }
 *	int main(void) { return run_tests(); }
 */
#ifndef XPV_TESTS_RUNNER_H
#define XPV_TESTS_RUNNER_H

#include <stdio.h>

struct test {
	const char *name;
	void (*fn)(void);
};

extern int test_failed_checks;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: CHECK(%s) failed\n",		\
			       __FILE__, __LINE__, #cond);		\
			test_failed_checks++;				\
		}							\
	} while (0)

#define TEST(name)							\
	static void test_##name(void);					\
	static const struct test test_desc_##name			\
		__attribute__((used, section("xpv_tests"), aligned(8))) = \
		{ #name, test_##name };					\
	static void test_##name(void)

int run_tests(void);

#endif
