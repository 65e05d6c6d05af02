/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small shared pieces of the stress helpers: errno names, time, a seeded
 * random generator and the loopx detach ioctl. Header-only, so every helper
 * stays a single .c file.
 */
#ifndef STRESS_H
#define STRESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/loop.h>
#include <linux/loopx.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline const char *errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "EUNKNOWN";
}

/* Print and exit 2: the helper itself could not do its job. */
static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* xorshift64*: per-thread state, so a run is repeatable from its seed. */
static inline __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in [0, n) for test choices; n > 0. */
static inline __u64 rnd_below(__u64 *s, __u64 n)
{
	return rnd(s) % n;
}

static inline __u64 seed_mix(__u64 seed, __u64 salt)
{
	__u64 s = seed * 0x9e3779b97f4a7c15ULL + salt * 0xbf58476d1ce4e5b9ULL;

	return s ? s : 1;
}

static inline unsigned long parse_ul(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end)
		die("bad number '%s'", s);
	return v;
}

#endif /* STRESS_H */
