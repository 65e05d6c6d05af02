/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics in one place so every message has the same shape:
 * "loopx: <object>: <step>: <strerror>" on stderr.
 */
#ifndef LOOPX_MSG_H
#define LOOPX_MSG_H

#define LX_PROG		"loopx"

/*
 * Userspace has no compiler_attributes.h; provide the two kernel-style
 * attribute macros we use so the code reads (and checks) like kernel code.
 */
#define lx_attribute		__attribute__
#ifndef __printf
#define __printf(a, b)		lx_attribute((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn		lx_attribute((noreturn))
#endif

/* Set by -v; verbose notes go to stderr so --show output stays clean. */
extern int lx_verbose;

/* "loopx: <obj>: <step>: <strerror(-err)>"; @obj may be NULL. */
void lx_err(const char *obj, const char *step, int err);

/* "loopx: <formatted text>" */
__printf(1, 2) void lx_warnx(const char *fmt, ...);

/* Same as lx_warnx(), but only with -v. */
__printf(1, 2) void lx_note(const char *fmt, ...);

/* A usage error: the message, the --help hint, and exit status 2. */
__printf(1, 2) __noreturn void lx_usage_err(const char *fmt, ...);

#endif /* LOOPX_MSG_H */
