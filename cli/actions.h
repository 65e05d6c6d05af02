/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The things loopx can do, one function each.  main() only parses the
 * command line and picks one; every action returns the exit status.
 */
#ifndef LOOPX_ACTIONS_H
#define LOOPX_ACTIONS_H

#include <linux/types.h>

#include "show.h"

struct lx_opts {
	int show;		/* --show: print the device after setup */
	int read_only;
	int partscan;
	int use_offset;
	__u64 offset;
	int use_sizelimit;
	__u64 sizelimit;
	int use_bsize;
	__u32 bsize;
	const char *encryption;	/* --encryption: a cipher or "xor" */
	const char *key_file;	/* --key-file: its raw key */
	const char *key_desc;	/* --key-desc: or a logon key's description */
	unsigned int key_size;	/* --key-size: that key's size in bytes */
	int set_dio;		/* --direct-io given ... */
	int dio_on;		/* ... and its value */
	int list;		/* table (or raw/json) instead of -a lines */
	int strict;		/* --strict: detach now or fail */
	int wait;		/* --wait: detach once nobody else holds it */
	const char *tag;	/* --tag: the binding's, or the one to list */
	struct show_opts out;
};

/* Attach @file to @devarg, or to a free device when @devarg is NULL. */
int act_attach(const struct lx_opts *o, const char *devarg,
	       const char *file);
/* loopx -f: print the first free device. */
int act_find_free(void);
int act_detach(const struct lx_opts *o, char **devargs, int count);
int act_detach_all(const struct lx_opts *o);
int act_set_capacity(const char *devarg);
/* --direct-io and/or --sector-size on a bound device. */
int act_modify(const struct lx_opts *o, const char *devarg);
/* loopx [-l] DEV */
int act_show_one(const struct lx_opts *o, const char *devarg);
/* -a, -l, -j FILE (@assoc), --tag, and no arguments at all. */
int act_list(const struct lx_opts *o, const char *assoc);

#endif /* LOOPX_ACTIONS_H */
