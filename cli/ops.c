// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl wrappers for loop devices and the loop control node.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "ops.h"
#include <linux/loopx.h>

static int ret_errno(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}

int ops_open(const char *path, int flags)
{
	return ret_errno(open(path, flags | O_CLOEXEC));
}

void ops_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Returns the index of a free (possibly newly created) device. */
int ops_ctl_get_free(int ctlfd)
{
	return ret_errno(ioctl(ctlfd, LOOP_CTL_GET_FREE));
}

int ops_ctl_configure(int ctlfd, int index, unsigned int flags,
		      const struct loop_config *cfg,
		      const struct loopx_crypt *crypt, const char *tag)
{
	struct loopx_ctl_config req;

	memset(&req, 0, sizeof(req));
	req.index = index;
	req.flags = flags;
	req.crypt = (__u64)(uintptr_t)crypt;
	req.config = *cfg;
	if (tag) {
		req.ext.tag = (__u64)(uintptr_t)tag;
		req.ext.tag_len = (__u32)strlen(tag);
	}
	return ret_errno(ioctl(ctlfd, LOOPX_CTL_CONFIGURE, &req));
}

int ops_ctl_lookup(int ctlfd, __u64 dev, __u64 ino, const char *tag,
		   __s32 *indices, unsigned int max)
{
	struct loopx_lookup req;

	memset(&req, 0, sizeof(req));
	if (tag) {
		req.flags = LOOPX_LOOKUP_TAG;
		req.tag = (__u64)(uintptr_t)tag;
		req.tag_len = (__u32)strlen(tag);
	} else {
		req.dev = dev;
		req.ino = ino;
	}
	req.indices = (__u64)(uintptr_t)indices;
	req.max = max;
	if (ioctl(ctlfd, LOOPX_CTL_LOOKUP, &req) < 0)
		return -errno;
	return req.count > INT_MAX ? INT_MAX : (int)req.count;
}

int ops_configure(int devfd, const struct loop_config *cfg)
{
	return ret_errno(ioctl(devfd, LOOP_CONFIGURE, cfg));
}

int ops_set_fd(int devfd, int filefd)
{
	return ret_errno(ioctl(devfd, LOOP_SET_FD, filefd));
}

int ops_set_status(int devfd, const struct loop_info64 *info)
{
	return ret_errno(ioctl(devfd, LOOP_SET_STATUS64, info));
}

int ops_get_status(int devfd, struct loop_info64 *info)
{
	return ret_errno(ioctl(devfd, LOOP_GET_STATUS64, info));
}

int ops_clr_fd(int devfd)
{
	return ret_errno(ioctl(devfd, LOOP_CLR_FD, 0));
}

int ops_detach_strict(int devfd, int wait, unsigned int *openers,
		      unsigned int *holders)
{
	struct loopx_detach req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.flags = wait ? LOOPX_DETACH_WAIT : 0;
	ret = ret_errno(ioctl(devfd, LOOPX_IOC_DETACH, &req));
	*openers = req.openers;
	*holders = req.holders;
	return ret;
}

int ops_set_capacity(int devfd)
{
	return ret_errno(ioctl(devfd, LOOP_SET_CAPACITY, 0));
}

int ops_set_direct_io(int devfd, int on)
{
	return ret_errno(ioctl(devfd, LOOP_SET_DIRECT_IO, (unsigned long)!!on));
}

int ops_set_block_size(int devfd, unsigned int size)
{
	return ret_errno(ioctl(devfd, LOOP_SET_BLOCK_SIZE,
			       (unsigned long)size));
}

int ops_get_sector_size(int devfd, unsigned int *size)
{
	int val = 0;
	int ret = ret_errno(ioctl(devfd, BLKSSZGET, &val));

	if (!ret)
		*size = (unsigned int)val;
	return ret;
}
