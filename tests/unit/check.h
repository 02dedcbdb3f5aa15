/* SPDX-License-Identifier: MIT */
/* A tiny TAP producer for the unit tests: one CHECK per behaviour, named
 * after it. tests/run counts the "ok"/"not ok" lines of every program. */
#ifndef SEPTA_CHECK_H
#define SEPTA_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_n, check_failed;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		check_n++;                                                     \
		if (cond) {                                                    \
			printf("ok %d - %s\n", check_n, name);                 \
		} else {                                                       \
			check_failed++;                                        \
			printf("not ok %d - %s (%s:%d: %s)\n", check_n, name,  \
			       __FILE__, __LINE__, #cond);                     \
		}                                                              \
	} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_n);
	return check_failed ? 1 : 0;
}

#endif
