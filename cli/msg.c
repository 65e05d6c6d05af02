// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error, warning and verbose output for loopx.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define EXIT_USAGE	2

int lx_verbose;

void lx_err(const char *obj, const char *step, int err)
{
	fflush(stdout);
	if (obj)
		fprintf(stderr, LX_PROG ": %s: %s: %s\n", obj, step,
			strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, LX_PROG ": %s: %s\n", step,
			strerror(err < 0 ? -err : err));
}

static void vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(LX_PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lx_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void lx_note(const char *fmt, ...)
{
	va_list ap;

	if (!lx_verbose)
		return;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void lx_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fputs("Try '" LX_PROG " --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}
