// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests for cli/parse.c: the pure helpers behind option parsing
 * and output escaping of the loopx tool.
 */
#include <errno.h>
#include <string.h>

#include "parse.h"
#include "tap.h"

#define KIB	1024ULL
#define MIB	(KIB * KIB)
#define GIB	(MIB * KIB)
#define TIB	(GIB * KIB)
#define PIB	(TIB * KIB)
#define EIB	(PIB * KIB)
#define U64MAX	18446744073709551615ULL

static void size_ok(const char *s, unsigned long long want)
{
	__u64 v = 12345;
	int ret = parse_size(s, &v);

	CHECK(ret == 0 && v == want, "parse_size(\"%s\") = %llu (got %d, %llu)",
	      s, want, ret, (unsigned long long)v);
}

static void size_err(const char *s, int want)
{
	__u64 v = 12345;
	int ret = parse_size(s, &v);

	CHECK(ret == want && v == 12345, "parse_size(\"%s\") fails with %d (got %d)",
	      s ? s : "(null)", want, ret);
}

static void test_sizes(void)
{
	/* plain numbers */
	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("512", 512);
	size_ok("007", 7);	/* decimal, not octal */
	size_ok("0x10", 16);
	size_ok("0XfF", 255);
	size_ok("18446744073709551615", U64MAX);
	size_ok("0xffffffffffffffff", U64MAX);

	/* binary suffixes, bare and with iB, any case */
	size_ok("1K", KIB);
	size_ok("1k", KIB);
	size_ok("1KiB", KIB);
	size_ok("1kib", KIB);
	size_ok("2M", 2 * MIB);
	size_ok("3MiB", 3 * MIB);
	size_ok("1G", GIB);
	size_ok("1GiB", GIB);
	size_ok("1T", TIB);
	size_ok("1P", PIB);
	size_ok("1E", EIB);
	size_ok("15E", 15 * EIB);
	size_ok("0x10K", 16 * KIB);
	size_ok("0K", 0);

	/* decimal suffixes */
	size_ok("1KB", 1000);
	size_ok("1kb", 1000);
	size_ok("1MB", 1000000);
	size_ok("1GB", 1000000000ULL);
	size_ok("1TB", 1000000000000ULL);
	size_ok("1PB", 1000000000000000ULL);
	size_ok("1EB", 1000000000000000000ULL);
	size_ok("18EB", 18000000000000000000ULL);

	/* fractions, truncated to whole bytes */
	size_ok("1.5K", 1536);
	size_ok("0.5M", 512 * KIB);
	size_ok("1.5KB", 1500);
	size_ok("0.1K", 102);
	size_ok("1.25GiB", GIB + GIB / 4);
	size_ok("15.9999999999999999999E", U64MAX);

	/* largest values just below the limits */
	size_ok("17179869183G", 17179869183ULL * GIB);
	size_ok("16777215T", 16777215ULL * TIB);

	/* overflow */
	size_err("18446744073709551616", -ERANGE);
	size_err("99999999999999999999999", -ERANGE);
	size_err("0x10000000000000000", -ERANGE);
	size_err("16E", -ERANGE);
	size_err("17179869184G", -ERANGE);
	size_err("19EB", -ERANGE);
	size_err("1Z", -ERANGE);
	size_err("1Y", -ERANGE);
	size_err("16.0E", -ERANGE);

	/* empty, negative and garbage */
	size_err(NULL, -EINVAL);
	size_err("", -EINVAL);
	size_err("-1", -EINVAL);
	size_err("-0", -EINVAL);
	size_err("+1", -EINVAL);
	size_err(" 1", -EINVAL);
	size_err("1 ", -EINVAL);
	size_err("abc", -EINVAL);
	size_err("K", -EINVAL);
	size_err("1X", -EINVAL);
	size_err("1B", -EINVAL);
	size_err("1iB", -EINVAL);
	size_err("1KiBx", -EINVAL);
	size_err("1KK", -EINVAL);
	size_err("1Ki", -EINVAL);
	size_err("1KIB", -EINVAL);
	size_err("0x", -EINVAL);
	size_err("0xg", -EINVAL);
	size_err("1.5", -EINVAL);
	size_err("1.", -EINVAL);
	size_err("1.K", -EINVAL);
	size_err(".5K", -EINVAL);
	size_err("0x1.5K", -EINVAL);
	size_err("1,5K", -EINVAL);
	size_err("1e3", -EINVAL);	/* no exponents: "e" means exbi */
}

static void switch_ok(const char *s, int want)
{
	int on = -1;
	int ret = parse_switch(s, &on);

	CHECK(ret == 0 && on == want, "parse_switch(\"%s\") = %d", s, want);
}

static void switch_err(const char *s)
{
	int on = -1;
	int ret = parse_switch(s, &on);

	CHECK(ret == -EINVAL && on == -1, "parse_switch(\"%s\") rejected",
	      s ? s : "(null)");
}

static void test_switches(void)
{
	switch_ok("on", 1);
	switch_ok("ON", 1);
	switch_ok("yes", 1);
	switch_ok("1", 1);
	switch_ok("off", 0);
	switch_ok("Off", 0);
	switch_ok("no", 0);
	switch_ok("0", 0);
	switch_err(NULL);
	switch_err("");
	switch_err("2");
	switch_err("onn");
	switch_err("o");
	switch_err(" on");
	switch_err("true");
}

static void json_is(const char *in, const char *want)
{
	char buf[256];
	size_t len = json_escape(buf, sizeof(buf), in);

	CHECK(!strcmp(buf, want) && len == strlen(want),
	      "json_escape -> %s (got %s)", want, buf);
}

static void test_json(void)
{
	char small[4];
	size_t len;

	json_is("", "");
	json_is("/dev/loop0", "/dev/loop0");
	json_is("a\"b", "a\\\"b");
	json_is("a\\b", "a\\\\b");
	json_is("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	json_is("\x01", "\\u0001");
	json_is("x\x1fy", "x\\u001fy");
	json_is("\x1b[0m", "\\u001b[0m");
	json_is("\x7f", "\x7f");
	json_is("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
	json_is("\xff\xfe", "\xff\xfe");
	json_is("/a b/'c'", "/a b/'c'");

	/* snprintf-like truncation */
	len = json_escape(small, sizeof(small), "a\"bcd");
	CHECK(len == 6 && !strcmp(small, "a\\\""),
	      "json_escape truncates and reports the full length (%zu, %s)",
	      len, small);
	len = json_escape(small, sizeof(small), "\n\n");
	CHECK(len == 4 && !strcmp(small, "\\n\\"),
	      "json_escape cuts inside an escape safely (%s)", small);
	len = json_escape(NULL, 0, "\x01\x02");
	CHECK(len == 12, "json_escape sizes without a buffer (%zu)", len);
}

static void cell_is(const char *in, int raw, const char *want)
{
	char buf[256];
	size_t len = cell_escape(buf, sizeof(buf), in, raw);

	CHECK(!strcmp(buf, want) && len == strlen(want),
	      "cell_escape(raw=%d) -> %s (got %s)", raw, want, buf);
}

static void test_cells(void)
{
	cell_is("/tmp/img 2", 0, "/tmp/img 2");
	cell_is("/tmp/img 2", 1, "/tmp/img\\x202");
	cell_is("a\\b\"c", 1, "a\\x5cb\"c");
	cell_is("a\\b\"c", 0, "a\\b\"c");
	cell_is("a\nb\tc", 0, "a\\x0ab\\x09c");
	cell_is("a\nb\tc", 1, "a\\x0ab\\x09c");
	cell_is("\x7f", 0, "\\x7f");
	cell_is("caf\xc3\xa9", 0, "caf\xc3\xa9");
	cell_is("caf\xc3\xa9", 1, "caf\\xc3\\xa9");
	cell_is("\x7f~!", 1, "\\x7f~!");
	CHECK(cell_escape(NULL, 0, " ", 1) == 4, "cell_escape sizes");
}

static void test_str_copy(void)
{
	char buf[8];
	size_t len;

	len = str_copy(buf, sizeof(buf), "short");
	CHECK(len == 5 && !strcmp(buf, "short"), "str_copy copies");
	len = str_copy(buf, sizeof(buf), "0123456789");
	CHECK(len == 10 && !strcmp(buf, "0123456"),
	      "str_copy truncates to size - 1 (%s)", buf);
	memset(buf, 'x', sizeof(buf));
	len = str_copy(buf, 0, "abc");
	CHECK(len == 3 && buf[0] == 'x', "str_copy with size 0 writes nothing");
}

static void devname_ok(const char *s, enum lx_family fam, unsigned int idx)
{
	enum lx_family f = 99;
	unsigned int i = 99;
	int ret = parse_devname(s, &f, &i);

	CHECK(ret == 0 && f == fam && i == idx, "parse_devname(\"%s\")", s);
}

static void devname_err(const char *s)
{
	enum lx_family f;
	unsigned int i;

	CHECK(parse_devname(s, &f, &i) == -EINVAL,
	      "parse_devname(\"%s\") rejected", s ? s : "(null)");
}

static void test_devnames(void)
{
	devname_ok("loop0", LX_FAMILY_LOOP, 0);
	devname_ok("loop17", LX_FAMILY_LOOP, 17);
	devname_ok("loopx0", LX_FAMILY_LOOPX, 0);
	devname_ok("loopx1048575", LX_FAMILY_LOOPX, 1048575);
	devname_ok("loop4294967295", LX_FAMILY_LOOP, 4294967295U);
	devname_err(NULL);
	devname_err("");
	devname_err("loop");
	devname_err("loopx");
	devname_err("loop-control");
	devname_err("loopx-control");
	devname_err("loopx1p1");
	devname_err("loop1p2");
	devname_err("loopxx1");
	devname_err("loopy1");
	devname_err("sda1");
	devname_err("/dev/loop0");
	devname_err("loop4294967296");
	devname_err("loop-1");
	devname_err("loop 1");
}

int main(void)
{
	test_sizes();
	test_switches();
	test_json();
	test_cells();
	test_str_copy();
	test_devnames();
	return tap_done();
}
