// SPDX-License-Identifier: GPL-2.0-only
/*
 * Formatting of loop device state.  The layouts follow losetup from
 * util-linux 2.38 so scripts written against it keep working: the -a
 * line, the aligned --list table, --raw and the --json document.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysmacros.h>

#include "parse.h"
#include "show.h"

enum col_type {
	T_STR,
	T_NUM,
	T_BOOL,
};

struct col_info {
	const char *name;
	const char *help;
	enum col_type type;
	int right;		/* right-aligned in the table */
};

static const struct col_info col_infos[SHOW_NCOLS] = {
	[COL_NAME] = { "NAME", "device node", T_STR, 0 },
	[COL_AUTOCLEAR] = { "AUTOCLEAR",
			    "detached automatically when last closed",
			    T_BOOL, 1 },
	[COL_BACK_FILE] = { "BACK-FILE", "backing file path", T_STR, 0 },
	[COL_BACK_INO] = { "BACK-INO", "inode number of the backing file",
			   T_NUM, 1 },
	[COL_BACK_MAJMIN] = { "BACK-MAJ:MIN",
			      "device number of the backing file's file system",
			      T_STR, 0 },
	[COL_MAJMIN] = { "MAJ:MIN", "device number of the loop device",
			 T_STR, 0 },
	[COL_OFFSET] = { "OFFSET", "start of the data in the backing file",
			 T_NUM, 1 },
	[COL_PARTSCAN] = { "PARTSCAN", "partitions are scanned", T_BOOL, 1 },
	[COL_RO] = { "RO", "read-only", T_BOOL, 1 },
	[COL_SIZELIMIT] = { "SIZELIMIT",
			    "bytes of the backing file used, 0 for all",
			    T_NUM, 1 },
	[COL_DIO] = { "DIO", "direct I/O to the backing file", T_BOOL, 1 },
	[COL_LOG_SEC] = { "LOG-SEC", "logical sector size in bytes",
			  T_NUM, 1 },
	[COL_ENCRYPTION] = { "ENCRYPTION",
			     "the cipher the data is encrypted with, or xor",
			     T_STR, 0 },
	[COL_DISKSEQ] = { "DISKSEQ",
			  "disk sequence number, new at every binding",
			  T_NUM, 1 },
	[COL_TAG] = { "TAG", "the tag the binding was given (loopx)",
		      T_STR, 0 },
};

static const enum show_col default_cols[] = {
	COL_NAME, COL_SIZELIMIT, COL_OFFSET, COL_AUTOCLEAR, COL_RO,
	COL_BACK_FILE, COL_DIO, COL_LOG_SEC, COL_ENCRYPTION,
};

void show_default_columns(struct show_opts *opts)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(default_cols); i++)
		opts->cols[i] = default_cols[i];
	opts->ncols = ARRAY_SIZE(default_cols);
}

void show_all_columns(struct show_opts *opts)
{
	unsigned int i;

	for (i = 0; i < SHOW_NCOLS; i++)
		opts->cols[i] = (enum show_col)i;
	opts->ncols = SHOW_NCOLS;
}

static int column_by_name(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < SHOW_NCOLS; i++)
		if (strlen(col_infos[i].name) == len &&
		    !strncasecmp(col_infos[i].name, name, len))
			return (int)i;
	return -1;
}

int show_parse_columns(const char *arg, struct show_opts *opts,
		       char *bad, size_t badsize)
{
	const char *p = arg, *end;
	size_t len;
	int col;

	if (*p == '+')
		p++;
	else
		opts->ncols = 0;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		col = column_by_name(p, len);
		if (col < 0 || opts->ncols >= SHOW_MAX_COLS) {
			snprintf(bad, badsize, "%.*s", (int)len, p);
			return -EINVAL;
		}
		opts->cols[opts->ncols++] = (enum show_col)col;
	}
	if (!opts->ncols) {
		snprintf(bad, badsize, "%s", arg);
		return -EINVAL;
	}
	return 0;
}

void show_help_columns(FILE *out)
{
	unsigned int i;

	for (i = 0; i < SHOW_NCOLS; i++)
		fprintf(out, " %12s  %s\n", col_infos[i].name,
			col_infos[i].help);
}

void show_line(const struct lx_dev *dev, const struct lx_state *st)
{
	if (st->have_info)
		printf("%s: [%04llu]:%llu (%s)", dev->path,
		       (unsigned long long)st->info.lo_device,
		       (unsigned long long)st->info.lo_inode, st->backing);
	else
		/* Only sysfs to go by: no device and inode numbers. */
		printf("%s: []: (%s)", dev->path, st->backing);

	if (st->offset)
		printf(", offset %llu", (unsigned long long)st->offset);
	if (st->sizelimit)
		printf(", sizelimit %llu", (unsigned long long)st->sizelimit);
	if (st->have_info && st->info.lo_crypt_name[0])
		printf(", encryption %.*s (type %u)", LO_NAME_SIZE,
		       (const char *)st->info.lo_crypt_name,
		       st->info.lo_encrypt_type);
	putchar('\n');
}

struct show_table {
	struct show_opts opts;
	char **cells;		/* nrows * opts.ncols, NULL = no value */
	size_t nrows;
	size_t alloc;
};

struct show_table *show_table_new(const struct show_opts *opts)
{
	struct show_table *tb = calloc(1, sizeof(*tb));

	if (tb)
		tb->opts = *opts;
	return tb;
}

void show_table_free(struct show_table *tb)
{
	size_t i;

	if (!tb)
		return;
	for (i = 0; i < tb->nrows * tb->opts.ncols; i++)
		free(tb->cells[i]);
	free(tb->cells);
	free(tb);
}

static char *fmt_u64(__u64 v)
{
	char *s;

	if (asprintf(&s, "%llu", (unsigned long long)v) < 0)
		return NULL;
	return s;
}

/*
 * Padded so the colons line up in a table.  losetup 2.38 pads in raw and
 * JSON output as well; so do we, to give identical output.
 */
static char *fmt_majmin(unsigned int maj, unsigned int min, int majwidth)
{
	char *s;

	if (asprintf(&s, "%*u:%-3u", majwidth, maj, min) < 0)
		return NULL;
	return s;
}

/*
 * The text of one cell; NULL either for "no value" or, with *@oom set,
 * for an allocation failure.
 */
static char *cell_text(enum show_col col, const struct lx_dev *dev,
		       const struct lx_state *st, int *oom)
{
	char *s = NULL;
	dev_t bdev;

	switch (col) {
	case COL_NAME:
		s = strdup(dev->path);
		break;
	case COL_AUTOCLEAR:
		s = strdup(st->autoclear ? "1" : "0");
		break;
	case COL_RO:
		s = strdup(st->ro ? "1" : "0");
		break;
	case COL_PARTSCAN:
		s = strdup(st->partscan ? "1" : "0");
		break;
	case COL_DIO:
		s = strdup(st->dio ? "1" : "0");
		break;
	case COL_BACK_FILE:
		if (!st->backing[0])
			return NULL;
		s = strdup(st->backing);
		break;
	case COL_BACK_INO:
		if (!st->have_info || !st->info.lo_inode)
			return NULL;
		s = fmt_u64(st->info.lo_inode);
		break;
	case COL_BACK_MAJMIN:
		if (!st->have_info || !st->info.lo_device)
			return NULL;
		/* lo_device uses the same encoding as a userspace dev_t */
		bdev = (dev_t)st->info.lo_device;
		s = fmt_majmin(major(bdev), minor(bdev), 8);
		break;
	case COL_MAJMIN:
		if (!st->have_rdev)
			return NULL;
		s = fmt_majmin(st->major, st->minor, 3);
		break;
	case COL_OFFSET:
		s = fmt_u64(st->offset);
		break;
	case COL_SIZELIMIT:
		s = fmt_u64(st->sizelimit);
		break;
	case COL_LOG_SEC:
		if (!st->log_sec)
			return NULL;
		s = fmt_u64(st->log_sec);
		break;
	case COL_ENCRYPTION:
		if (!st->have_info || !st->info.lo_encrypt_type)
			return NULL;
		if (st->info.lo_encrypt_type == LO_CRYPT_XOR)
			s = strdup("xor");
		else
			s = strndup((const char *)st->info.lo_crypt_name,
				    LO_NAME_SIZE);
		break;
	case COL_DISKSEQ:
		if (!st->diskseq)
			return NULL;
		s = fmt_u64(st->diskseq);
		break;
	case COL_TAG:
		if (!st->tag[0])
			return NULL;
		s = strdup(st->tag);
		break;
	default:
		return NULL;
	}
	if (!s)
		*oom = 1;
	return s;
}

int show_table_add(struct show_table *tb, const struct lx_dev *dev,
		   const struct lx_state *st)
{
	size_t ncols = tb->opts.ncols, i;
	char **row, **grown;
	int oom = 0;

	if (tb->nrows == tb->alloc) {
		tb->alloc = tb->alloc ? tb->alloc * 2 : 8;
		grown = realloc(tb->cells, tb->alloc * ncols * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		tb->cells = grown;
	}
	row = tb->cells + tb->nrows * ncols;
	for (i = 0; i < ncols; i++)
		row[i] = cell_text(tb->opts.cols[i], dev, st, &oom);
	tb->nrows++;
	return oom ? -ENOMEM : 0;
}

/* Terminal columns taken by UTF-8 text: one per character. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static char *escaped(const char *s, int raw)
{
	size_t len = cell_escape(NULL, 0, s, raw) + 1;
	char *buf = malloc(len);

	if (buf)
		cell_escape(buf, len, s, raw);
	return buf;
}

static void put_padded(const char *s, size_t width, int right, int last)
{
	size_t pad = width - text_width(s);

	if (right)
		printf("%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, stdout);
	else
		printf("%s%*s", s, (int)pad, "");
}

static int print_aligned(struct show_table *tb, int raw)
{
	size_t ncols = tb->opts.ncols, ncells = tb->nrows * ncols;
	size_t *width, i, r, w;
	const struct col_info *ci;
	char **esc;
	int ret = 0;

	width = calloc(ncols, sizeof(*width));
	esc = calloc(ncells ? ncells : 1, sizeof(*esc));
	if (!width || !esc) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ncells; i++) {
		esc[i] = escaped(tb->cells[i] ? tb->cells[i] : "", raw);
		if (!esc[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}

	/* libsmartcols sizes columns for the header even with -n. */
	for (i = 0; i < ncols; i++) {
		width[i] = strlen(col_infos[tb->opts.cols[i]].name);
		for (r = 0; r < tb->nrows; r++) {
			w = text_width(esc[r * ncols + i]);
			if (w > width[i])
				width[i] = w;
		}
	}

	if (!tb->opts.noheadings) {
		for (i = 0; i < ncols; i++) {
			ci = &col_infos[tb->opts.cols[i]];
			if (i)
				putchar(' ');
			if (raw)
				fputs(ci->name, stdout);
			else
				put_padded(ci->name, width[i], ci->right,
					   i == ncols - 1);
		}
		putchar('\n');
	}
	for (r = 0; r < tb->nrows; r++) {
		for (i = 0; i < ncols; i++) {
			ci = &col_infos[tb->opts.cols[i]];
			if (i)
				putchar(' ');
			if (raw)
				fputs(esc[r * ncols + i], stdout);
			else
				put_padded(esc[r * ncols + i], width[i],
					   ci->right, i == ncols - 1);
		}
		putchar('\n');
	}
out:
	for (i = 0; esc && i < ncells; i++)
		free(esc[i]);
	free(esc);
	free(width);
	return ret;
}

static int print_json_string(const char *s)
{
	size_t len = json_escape(NULL, 0, s) + 1;
	char *buf = malloc(len);

	if (!buf)
		return -ENOMEM;
	json_escape(buf, len, s);
	printf("\"%s\"", buf);
	free(buf);
	return 0;
}

static void print_json_key(const char *name)
{
	putchar('"');
	for (; *name; name++)
		putchar(*name >= 'A' && *name <= 'Z' ? *name - 'A' + 'a' :
			*name);
	fputs("\": ", stdout);
}

/* Same shape as libsmartcols: 3-space indent, "},{" between objects. */
static int print_json(struct show_table *tb)
{
	size_t ncols = tb->opts.ncols, i, r;
	const struct col_info *ci;
	const char *v;
	int ret;

	/* An empty list still has its (blank) line, as in losetup 2.38. */
	fputs("{\n   \"loopdevices\": [\n", stdout);
	if (!tb->nrows)
		putchar('\n');
	for (r = 0; r < tb->nrows; r++) {
		fputs(r ? "},{\n" : "      {\n", stdout);
		for (i = 0; i < ncols; i++) {
			ci = &col_infos[tb->opts.cols[i]];
			v = tb->cells[r * ncols + i];
			fputs("         ", stdout);
			print_json_key(ci->name);
			if (!v) {
				fputs("null", stdout);
			} else if (ci->type == T_NUM) {
				fputs(v, stdout);
			} else if (ci->type == T_BOOL) {
				fputs(strcmp(v, "0") ? "true" : "false",
				      stdout);
			} else {
				ret = print_json_string(v);
				if (ret)
					return ret;
			}
			fputs(i + 1 < ncols ? ",\n" : "\n", stdout);
		}
		fputs("      ", stdout);
	}
	fputs(tb->nrows ? "}\n   ]\n}\n" : "   ]\n}\n", stdout);
	return 0;
}

int show_table_print(struct show_table *tb)
{
	int ret;

	switch (tb->opts.format) {
	case SHOW_JSON:
		/* the only format that says anything about zero devices */
		ret = print_json(tb);
		break;
	case SHOW_RAW:
		ret = tb->nrows ? print_aligned(tb, 1) : 0;
		break;
	default:
		ret = tb->nrows ? print_aligned(tb, 0) : 0;
		break;
	}
	if (fflush(stdout) && !ret)
		ret = -errno;
	return ret;
}
