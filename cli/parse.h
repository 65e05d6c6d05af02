/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pure string helpers for loopx: size and switch parsing, escaping for the
 * output formats and loop device name recognition.  Nothing in here does
 * I/O, so all of it is covered by host unit tests.
 */
#ifndef LOOPX_PARSE_H
#define LOOPX_PARSE_H

#include <stddef.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Device families the tool knows, in listing order. */
enum lx_family {
	LX_FAMILY_LOOP,		/* stock driver or loopx in compat mode */
	LX_FAMILY_LOOPX,	/* loopx in native mode */
};

/*
 * parse_size() - parse a byte count the way losetup accepts it.
 *
 * Decimal or 0x-prefixed hexadecimal digits, optionally followed by a
 * suffix K, M, G, T, P, E (any case, powers of 1024), the same letters
 * with "iB" (powers of 1024) or "B" (powers of 1000).  A decimal fraction
 * such as "1.5M" is allowed when a suffix follows it.
 *
 * Returns 0 and stores the value, -EINVAL for empty, negative or malformed
 * input, -ERANGE when the value does not fit in 64 bits.
 */
int parse_size(const char *str, __u64 *res);

/*
 * parse_switch() - parse an on/off argument ("on", "off", "yes", "no",
 * "1", "0", any case).  Returns 0 and stores 1 or 0, or -EINVAL.
 */
int parse_switch(const char *str, int *on);

/*
 * json_escape() - escape @src for use inside a JSON string literal (the
 * quotes themselves are not added).  Quote and backslash get a backslash,
 * control characters become \b \f \n \r \t or \u00XX, every other byte,
 * including non-ASCII UTF-8, is copied unchanged.
 *
 * Works like snprintf(): writes at most @size bytes including the
 * terminating NUL and returns the length the full result needs.
 */
size_t json_escape(char *dst, size_t size, const char *src);

/*
 * cell_escape() - make @src safe for one table cell.  Control characters
 * always become \xHH.  With @raw set, so that raw output can be split on
 * blanks, so does every byte that is not printable ASCII (blanks and
 * UTF-8 included) and the backslash, as libsmartcols does.  Same return
 * convention as json_escape().
 */
size_t cell_escape(char *dst, size_t size, const char *src, int raw);

/*
 * str_copy() - copy @src into @dst of @size bytes, truncating if needed and
 * always NUL-terminating (when @size > 0).  Returns strlen(@src), so
 * truncation shows as a result >= @size.  For fixed-size ABI fields like
 * lo_file_name where cutting the string short is the intent.
 */
size_t str_copy(char *dst, size_t size, const char *src);

/*
 * parse_devname() - recognise a loop disk name as found in /sys/block:
 * "loop<N>" or "loopx<N>" with N decimal and nothing after it.  Returns 0
 * and fills @family and @index, or -EINVAL (partitions, other disks, junk).
 */
int parse_devname(const char *name, enum lx_family *family,
		  unsigned int *index);

#endif /* LOOPX_PARSE_H */
