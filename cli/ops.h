/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin wrappers around the <linux/loop.h> ioctls.  Each returns 0 (or a
 * non-negative result) on success and -errno on failure, so callers can
 * report the exact error without juggling the global errno.
 */
#ifndef LOOPX_OPS_H
#define LOOPX_OPS_H

#include <linux/loop.h>

#include <linux/loopx.h>

int ops_open(const char *path, int flags);
void ops_close(int fd);

int ops_ctl_get_free(int ctlfd);
/* LOOPX_CTL_CONFIGURE: binds @index (-1: any free one), returns the index. */
int ops_ctl_configure(int ctlfd, int index, unsigned int flags,
		      const struct loop_config *cfg,
		      const struct loopx_crypt *crypt, const char *tag);

/*
 * LOOPX_CTL_LOOKUP: the devices bound to the file @dev/@ino, or with @tag
 * set those whose binding carries it, up to @max of them in @indices;
 * returns how many there are, or -errno.
 */
int ops_ctl_lookup(int ctlfd, __u64 dev, __u64 ino, const char *tag,
		   __s32 *indices, unsigned int max);
int ops_configure(int devfd, const struct loop_config *cfg);
int ops_set_fd(int devfd, int filefd);
int ops_set_status(int devfd, const struct loop_info64 *info);
int ops_get_status(int devfd, struct loop_info64 *info);
int ops_clr_fd(int devfd);
/* LOOPX_IOC_DETACH; on -EBUSY *openers and *holders say who holds it. */
int ops_detach_strict(int devfd, int wait, unsigned int *openers,
		      unsigned int *holders);
int ops_set_capacity(int devfd);
int ops_set_direct_io(int devfd, int on);
int ops_set_block_size(int devfd, unsigned int size);
int ops_get_sector_size(int devfd, unsigned int *size);

#endif /* LOOPX_OPS_H */
