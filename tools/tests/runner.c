// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

int test_failed_checks;

/* The linker collects every TEST() into the section xpv_tests. */
extern const struct test __start_xpv_tests[], __stop_xpv_tests[];

int run_tests(void)
{
	const char *only = getenv("TEST_ONLY");
	const struct test *t;
	int n = 0, failed = 0, before;

	for (t = __start_xpv_tests; t < __stop_xpv_tests; t++)
		if (!only || !strcmp(only, t->name))
			n++;
	printf("1..%d\n", n);
	n = 0;
	for (t = __start_xpv_tests; t < __stop_xpv_tests; t++) {
		if (only && strcmp(only, t->name))
			continue;
		before = test_failed_checks;
		t->fn();
		n++;
		if (test_failed_checks != before) {
			printf("not ok %d - %s\n", n, t->name);
			failed++;
		} else {
			printf("ok %d - %s\n", n, t->name);
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
