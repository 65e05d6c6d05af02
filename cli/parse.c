// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure parsing and escaping helpers; see parse.h for the contracts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

#define U64_MAX_VAL	(~(__u64)0)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Accumulate digits of @base into @val; returns -ERANGE on overflow. */
static int add_digit(__u64 *val, unsigned int base, unsigned int digit)
{
	if (*val > (U64_MAX_VAL - digit) / base)
		return -ERANGE;
	*val = *val * base + digit;
	return 0;
}

/*
 * Suffix letters in increasing power order; Z and Y are accepted only so
 * that they report overflow rather than "garbage" like losetup does.
 */
static const char size_suffixes[] = "KMGTPEZY";

/*
 * Work out the multiplier for the suffix starting at @p.  Returns 0 with
 * *mult set, -EINVAL for an unknown suffix, -ERANGE when the multiplier
 * itself does not fit.
 */
static int suffix_multiplier(const char *p, __u64 *mult)
{
	const char *letter;
	unsigned int base, power, i;

	if (*p == '\0' || *p == '.')
		return -EINVAL;
	letter = strchr(size_suffixes, *p >= 'a' && *p <= 'z' ?
			*p - 'a' + 'A' : *p);
	if (!letter)
		return -EINVAL;
	power = letter - size_suffixes + 1;
	p++;

	if (*p == '\0')
		base = 1024;
	else if (p[0] == 'i' && (p[1] == 'B' || p[1] == 'b') && !p[2])
		base = 1024;
	else if ((p[0] == 'B' || p[0] == 'b') && !p[1])
		base = 1000;
	else
		return -EINVAL;

	*mult = 1;
	for (i = 0; i < power; i++) {
		if (*mult > U64_MAX_VAL / base)
			return -ERANGE;
		*mult *= base;
	}
	return 0;
}

/*
 * floor(0.<digits> * mult), evaluated from the last digit backwards so
 * every intermediate stays below 10 * mult; that fits because the largest
 * multiplier that gets here is 2^60 or 10^18.  Flooring at each step is
 * exact since the digit term added at each step is an integer.
 */
static __u64 scale_fraction(const char *digits, size_t ndigits, __u64 mult)
{
	__u64 acc = 0;

	while (ndigits--)
		acc = ((__u64)(digits[ndigits] - '0') * mult + acc) / 10;
	return acc;
}

int parse_size(const char *str, __u64 *res)
{
	const char *p = str, *frac = NULL;
	size_t nfrac = 0;
	__u64 val = 0, mult, fval;
	int ret;

	if (!str || !*str)
		return -EINVAL;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (hex_value(*p) < 0)
			return -EINVAL;
		for (; hex_value(*p) >= 0; p++) {
			ret = add_digit(&val, 16, hex_value(*p));
			if (ret)
				return ret;
		}
	} else {
		/* Catches "-1", "+1", " 1", "K" and the like. */
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			ret = add_digit(&val, 10, *p - '0');
			if (ret)
				return ret;
		}
		if (*p == '.') {
			frac = ++p;
			while (is_digit(*p))
				p++;
			nfrac = p - frac;
			/* "1.", and fractions of a byte make no sense */
			if (!nfrac || !*p)
				return -EINVAL;
		}
	}

	if (!*p) {
		*res = val;
		return 0;
	}

	ret = suffix_multiplier(p, &mult);
	if (ret)
		return ret;
	if (val && mult > U64_MAX_VAL / val)
		return -ERANGE;
	val *= mult;

	if (frac) {
		fval = scale_fraction(frac, nfrac, mult);
		if (val > U64_MAX_VAL - fval)
			return -ERANGE;
		val += fval;
	}

	*res = val;
	return 0;
}

int parse_switch(const char *str, int *on)
{
	static const char * const yes[] = { "on", "yes", "1" };
	static const char * const no[] = { "off", "no", "0" };
	size_t i;

	if (!str)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(str, yes[i])) {
			*on = 1;
			return 0;
		}
		if (!strcasecmp(str, no[i])) {
			*on = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Small output cursor shared by the escapers: counts everything, stores
 * what fits and keeps the buffer NUL-terminated like snprintf() does.
 */
struct outbuf {
	char *dst;
	size_t size;
	size_t len;
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size) {
		o->dst[o->len] = c;
		o->dst[o->len + 1] = '\0';
	}
	o->len++;
}

static void out_str(struct outbuf *o, const char *s)
{
	while (*s)
		out_char(o, *s++);
}

static void out_hex(struct outbuf *o, const char *prefix, unsigned int width,
		    unsigned char c)
{
	static const char digits[] = "0123456789abcdef";

	out_str(o, prefix);
	while (width > 2) {
		out_char(o, '0');
		width--;
	}
	out_char(o, digits[c >> 4]);
	out_char(o, digits[c & 0xf]);
}

static void out_start(struct outbuf *o, char *dst, size_t size)
{
	o->dst = dst;
	o->size = size;
	o->len = 0;
	if (size)
		dst[0] = '\0';
}

size_t json_escape(char *dst, size_t size, const char *src)
{
	struct outbuf o;
	unsigned char c;

	out_start(&o, dst, size);
	for (; *src; src++) {
		c = (unsigned char)*src;
		switch (c) {
		case '"':
			out_str(&o, "\\\"");
			break;
		case '\\':
			out_str(&o, "\\\\");
			break;
		case '\b':
			out_str(&o, "\\b");
			break;
		case '\f':
			out_str(&o, "\\f");
			break;
		case '\n':
			out_str(&o, "\\n");
			break;
		case '\r':
			out_str(&o, "\\r");
			break;
		case '\t':
			out_str(&o, "\\t");
			break;
		default:
			if (c < 0x20)
				out_hex(&o, "\\u", 4, c);
			else
				out_char(&o, (char)c);
		}
	}
	return o.len;
}

size_t cell_escape(char *dst, size_t size, const char *src, int raw)
{
	struct outbuf o;
	unsigned char c;
	int special;

	out_start(&o, dst, size);
	for (; *src; src++) {
		c = (unsigned char)*src;
		if (raw)
			special = c <= ' ' || c >= 0x7f || c == '\\';
		else
			special = c < ' ' || c == 0x7f;
		if (special)
			out_hex(&o, "\\x", 2, c);
		else
			out_char(&o, (char)c);
	}
	return o.len;
}

size_t str_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int parse_devname(const char *name, enum lx_family *family,
		  unsigned int *index)
{
	unsigned int idx = 0;
	enum lx_family fam = LX_FAMILY_LOOP;

	if (!name || strncmp(name, "loop", 4))
		return -EINVAL;
	name += 4;
	if (*name == 'x') {
		fam = LX_FAMILY_LOOPX;
		name++;
	}
	if (!is_digit(*name))
		return -EINVAL;
	for (; is_digit(*name); name++) {
		if (idx > (UINT_MAX - (unsigned int)(*name - '0')) / 10)
			return -EINVAL;
		idx = idx * 10 + (unsigned int)(*name - '0');
	}
	if (*name)
		return -EINVAL;
	*family = fam;
	*index = idx;
	return 0;
}
