/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output of device state: losetup -a style lines, the --list table (also
 * --raw and --json).
 */
#ifndef LOOPX_SHOW_H
#define LOOPX_SHOW_H

#include <stdio.h>

#include "devices.h"

enum show_col {
	COL_NAME,
	COL_AUTOCLEAR,
	COL_BACK_FILE,
	COL_BACK_INO,
	COL_BACK_MAJMIN,
	COL_MAJMIN,
	COL_OFFSET,
	COL_PARTSCAN,
	COL_RO,
	COL_SIZELIMIT,
	COL_DIO,
	COL_LOG_SEC,
	COL_ENCRYPTION,
	COL_DISKSEQ,
	COL_TAG,
	SHOW_NCOLS
};

enum show_format {
	SHOW_TABLE,
	SHOW_RAW,
	SHOW_JSON,
};

/* Room for a column to be named twice over, which losetup tolerates too. */
#define SHOW_MAX_COLS	(2 * SHOW_NCOLS)

struct show_opts {
	enum show_format format;
	int noheadings;
	enum show_col cols[SHOW_MAX_COLS];
	unsigned int ncols;
};

/* The default NAME SIZELIMIT OFFSET AUTOCLEAR RO BACK-FILE DIO LOG-SEC. */
void show_default_columns(struct show_opts *opts);
void show_all_columns(struct show_opts *opts);

/*
 * Parse a -O argument: comma separated names, any case.  A leading '+'
 * appends to the columns already in @opts (the defaults, or all of them),
 * otherwise the list replaces them.  On an unknown name returns -EINVAL
 * with the name copied to @bad.
 */
int show_parse_columns(const char *arg, struct show_opts *opts,
		       char *bad, size_t badsize);

/* Column names and descriptions for --help. */
void show_help_columns(FILE *out);

/* One losetup -a line: "/dev/loop0: [2049]:12 (/file), offset 512". */
void show_line(const struct lx_dev *dev, const struct lx_state *st);

struct show_table;

struct show_table *show_table_new(const struct show_opts *opts);
int show_table_add(struct show_table *tb, const struct lx_dev *dev,
		   const struct lx_state *st);
/* Prints the table in the chosen format; 0 or -errno of the write. */
int show_table_print(struct show_table *tb);
void show_table_free(struct show_table *tb);

#endif /* LOOPX_SHOW_H */
