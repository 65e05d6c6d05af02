/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding loop devices: the control node, free devices, bound devices,
 * and the mapping between a user's device argument, its /dev node and its
 * /sys/block directory.  Also collects the state of one bound device.
 */
#ifndef LOOPX_DEVICES_H
#define LOOPX_DEVICES_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <linux/loop.h>

#include <linux/loopx.h>

#include "parse.h"

#define LX_NAME_MAX	64

struct lx_dev {
	char path[PATH_MAX];	/* node as shown to the user */
	char name[LX_NAME_MAX];	/* /sys/block entry, "" when unknown */
};

/* What one bound device looks like; sysfs wins, ioctls fill gaps. */
struct lx_state {
	int have_info;			/* LOOP_GET_STATUS64 worked */
	struct loop_info64 info;
	char backing[PATH_MAX];		/* "" when unknown */
	__u64 offset;
	__u64 sizelimit;
	int autoclear;
	int ro;
	int partscan;
	int dio;
	unsigned int log_sec;		/* 0 when unknown */
	__u64 diskseq;			/* 0 when unknown */
	char tag[LOOPX_TAG_MAX + 1];	/* "" without one */
	int have_rdev;
	unsigned int major;
	unsigned int minor;
};

/* Path of the control node to use, NULL when neither exists. */
const char *dev_control_path(enum lx_family *family);

/*
 * Ask the control node for a free device and wait for its /dev node.
 * Returns 0 and fills @dev, or -errno.
 */
int dev_find_free(struct lx_dev *dev);

/*
 * Bind @cfg through the control node (LOOPX_CTL_CONFIGURE) to @devarg, or
 * to any free device when it is NULL, without opening the device node, and
 * fill @dev.  @flags are LOOPX_CONFIG_*.  Returns 0, -ENOTTY when that is
 * not possible here (stock loop, an older loopx, a device of the other
 * family), or the -errno of the binding.
 */
int dev_ctl_bind(const char *devarg, const struct loop_config *cfg,
		 const struct loopx_crypt *crypt, const char *tag, int ro,
		 unsigned int flags, struct lx_dev *dev);

/* Turn "/dev/loopx3", "/dev/loop3" or "loopx3" into an lx_dev. */
void dev_from_arg(const char *arg, struct lx_dev *dev);

/*
 * All devices with a loop/ directory in sysfs, i.e. bound ones, sorted by
 * family and index.  Returns the count (the array is malloc()ed and NULL
 * when empty) or -errno.
 */
int dev_list_bound(struct lx_dev **devs);

/*
 * The devices bound to the file @fst, or with @fst NULL those whose binding
 * carries @tag, as the control nodes' index (LOOPX_CTL_LOOKUP) has them,
 * sorted like dev_list_bound(): no scan of every device.  Returns the
 * count (the array is malloc()ed and NULL when empty), or -errno when a
 * control node cannot answer (stock loop, an older loopx, no permission)
 * or there is none, and the caller scans instead.
 */
int dev_list_holding(const struct stat *fst, const char *tag,
		     struct lx_dev **devs);

/*
 * Collect the state of @dev.  Returns 0, -ENXIO when it is not bound, or
 * the -errno that prevented looking at it at all.
 */
int dev_query(const struct lx_dev *dev, struct lx_state *st);

/*
 * Does @st belong to @file?  Compares the backing device and inode with
 * @fst when there is one, falls back to the path otherwise; @offset is
 * compared too when @use_offset is set, like losetup -j -o.
 */
int dev_state_matches(const struct lx_state *st, const struct stat *fst,
		      const char *file, int use_offset, __u64 offset);

#endif /* LOOPX_DEVICES_H */
