/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP producer for the host-side unit tests: one CHECK() per
 * assertion, a plan printed at the end, exit status 1 when anything failed.
 */
#ifndef LOOPX_TAP_H
#define LOOPX_TAP_H

#include <stdbool.h>
#include <stdio.h>

static int tap_count;
static int tap_failed;

#define CHECK(cond, ...)						\
	do {								\
		bool ok_ = (cond);					\
									\
		tap_count++;						\
		if (!ok_)						\
			tap_failed++;					\
		printf("%sok %d - ", ok_ ? "" : "not ", tap_count);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!ok_)						\
			printf("#   failed: %s (%s:%d)\n", #cond,	\
			       __FILE__, __LINE__);			\
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	printf("# %d passed, %d failed\n", tap_count - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* LOOPX_TAP_H */
