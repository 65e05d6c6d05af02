// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block_device_operations of a loopx disk: the ioctls of <linux/loop.h>
 * for native and 32-bit callers, open and release, and the table. The last
 * method, free_disk, sits in main.c beside the allocation it undoes.
 */
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "loopx.h"
#include "logic.h"

/* Reconfiguring needs a writable open, or the right to do anything. */
static bool loopx_may_change(blk_mode_t mode)
{
	return (mode & BLK_OPEN_WRITE) || capable(CAP_SYS_ADMIN);
}

static int loopx_ioctl_set_fd(struct loopx_device *lo, blk_mode_t mode,
			      unsigned long arg)
{
	struct loop_config config = { };

	/* a value that would be truncated to some other, valid fd */
	if (arg > UINT_MAX)
		return -EBADF;
	config.fd = arg;
	return loopx_configure(lo, mode, &config, NULL);
}

static int loopx_ioctl_configure(struct loopx_device *lo, blk_mode_t mode,
				 void __user *argp)
{
	struct loop_config config;

	int ret;

	if (copy_from_user(&config, argp, sizeof(config)))
		return -EFAULT;
	ret = loopx_configure(lo, mode, &config, NULL);
	loopx_wipe_key(&config.info);
	return ret;
}

static int loopx_ioctl_xconfigure(struct loopx_device *lo, blk_mode_t mode,
				  struct loopx_config __user *argp)
{
	struct loopx_bind_opts opts;
	struct loopx_config req;
	struct loopx_crypt crypt;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = req.__reserved0 ? -EINVAL :
	      loopx_bind_opts_get(&opts, req.flags, req.crypt, &req.ext, &crypt);
	if (!ret) {
		ret = loopx_configure(lo, mode, &req.config, &opts);
		loopx_bind_opts_put(&opts);
	}
	loopx_wipe_key(&req.config.info);
	return ret;
}

static int loopx_ioctl_set_status_old(struct loopx_device *lo, blk_mode_t mode,
				      void __user *argp)
{
	struct loop_info old;
	struct loop_info64 info;
	int ret;

	if (copy_from_user(&old, argp, sizeof(old)))
		return -EFAULT;
	loopx_info_from_old(&old, &info);
	memzero_explicit(old.lo_encrypt_key, LO_KEY_SIZE);
	ret = loopx_set_status(lo, mode, &info);
	loopx_wipe_key(&info);
	return ret;
}

static int loopx_ioctl_get_status_old(struct loopx_device *lo,
				      void __user *argp)
{
	struct loop_info64 info;
	struct loop_info old;
	int ret;

	if (!argp)
		return -EINVAL;
	ret = loopx_get_status(lo, &info);
	if (!ret)
		ret = loopx_info_to_old(&info, &old);
	if (!ret && copy_to_user(argp, &old, sizeof(old)))
		ret = -EFAULT;
	return ret;
}

static int loopx_ioctl_set_status64(struct loopx_device *lo, blk_mode_t mode,
				    void __user *argp)
{
	struct loop_info64 info;
	int ret;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	ret = loopx_set_status(lo, mode, &info);
	loopx_wipe_key(&info);
	return ret;
}

static int loopx_ioctl_get_status64(struct loopx_device *lo,
				    void __user *argp)
{
	struct loop_info64 info;
	int ret;

	if (!argp)
		return -EINVAL;
	ret = loopx_get_status(lo, &info);
	if (!ret && copy_to_user(argp, &info, sizeof(info)))
		ret = -EFAULT;
	return ret;
}

static int loopx_ioctl_detach(struct loopx_device *lo, void __user *argp)
{
	struct loopx_detach req;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = loopx_detach(lo, &req);
	/* on EBUSY the counts tell the caller who holds the device */
	if ((!ret || ret == -EBUSY) && copy_to_user(argp, &req, sizeof(req)))
		ret = -EFAULT;
	return ret;
}

static int loopx_ioctl(struct block_device *bdev, blk_mode_t mode,
		       unsigned int cmd, unsigned long arg)
{
	struct loopx_device *lo = bdev->bd_disk->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case LOOP_SET_FD:
		return loopx_ioctl_set_fd(lo, mode, arg);
	case LOOP_CONFIGURE:
		return loopx_ioctl_configure(lo, mode, argp);
	case LOOPX_IOC_CONFIGURE:
		return loopx_ioctl_xconfigure(lo, mode, argp);
	case LOOP_CHANGE_FD:
		return arg > UINT_MAX ? -EBADF : loopx_change_fd(lo, arg);
	case LOOP_CLR_FD:
		return loopx_clear(lo);
	case LOOPX_IOC_DETACH:
		return loopx_ioctl_detach(lo, argp);
	case LOOP_GET_STATUS:
		return loopx_ioctl_get_status_old(lo, argp);
	case LOOP_GET_STATUS64:
		return loopx_ioctl_get_status64(lo, argp);
	}

	if (!loopx_may_change(mode))
		return -EPERM;
	switch (cmd) {
	case LOOP_SET_STATUS:
		return loopx_ioctl_set_status_old(lo, mode, argp);
	case LOOP_SET_STATUS64:
		return loopx_ioctl_set_status64(lo, mode, argp);
	case LOOP_SET_CAPACITY:
		return loopx_set_capacity(lo);
	case LOOP_SET_DIRECT_IO:
		return loopx_set_dio(lo, arg);
	case LOOP_SET_BLOCK_SIZE:
		return loopx_set_block_size(lo, mode, arg);
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/* struct loop_info as a 32-bit process lays it out */
struct loopx_compat_info {
	compat_int_t	lo_number;
	compat_dev_t	lo_device;
	compat_ulong_t	lo_inode;
	compat_dev_t	lo_rdevice;
	compat_int_t	lo_offset;
	compat_int_t	lo_encrypt_type;
	compat_int_t	lo_encrypt_key_size;
	compat_int_t	lo_flags;
	char		lo_name[LO_NAME_SIZE];
	unsigned char	lo_encrypt_key[LO_KEY_SIZE];
	compat_ulong_t	lo_init[2];
	char		reserved[4];
};

static int loopx_compat_set_status(struct loopx_device *lo, blk_mode_t mode,
				   void __user *argp)
{
	struct loopx_compat_info c;
	struct loop_info64 info = { };
	int ret;

	if (!loopx_may_change(mode))
		return -EPERM;
	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	LOOPX_INFO_COPY(&info, &c);
	memcpy(info.lo_file_name, c.lo_name, LO_NAME_SIZE);
	memzero_explicit(c.lo_encrypt_key, LO_KEY_SIZE);
	ret = loopx_set_status(lo, mode, &info);
	loopx_wipe_key(&info);
	return ret;
}

static int loopx_compat_get_status(struct loopx_device *lo, void __user *argp)
{
	struct loopx_compat_info c = { };
	struct loop_info64 info;
	int ret;

	if (!argp)
		return -EINVAL;
	ret = loopx_get_status(lo, &info);
	if (ret)
		return ret;
	LOOPX_INFO_COPY(&c, &info);
	memcpy(c.lo_name, info.lo_file_name, LO_NAME_SIZE);
	if (loopx_info_narrowing_lost(&info, c.lo_device, c.lo_rdevice,
				      c.lo_inode, c.lo_offset))
		return -EOVERFLOW;
	return copy_to_user(argp, &c, sizeof(c)) ? -EFAULT : 0;
}

static int loopx_compat_ioctl(struct block_device *bdev, blk_mode_t mode,
			      unsigned int cmd, unsigned long arg)
{
	struct loopx_device *lo = bdev->bd_disk->private_data;

	switch (cmd) {
	case LOOP_SET_STATUS:
		return loopx_compat_set_status(lo, mode, compat_ptr(arg));
	case LOOP_GET_STATUS:
		return loopx_compat_get_status(lo, compat_ptr(arg));
	case LOOP_SET_STATUS64:
	case LOOP_GET_STATUS64:
	case LOOP_CONFIGURE:
	case LOOPX_IOC_CONFIGURE:
	case LOOPX_IOC_DETACH:
		/* same layout for 32-bit callers, only the pointer differs */
		arg = (unsigned long)compat_ptr(arg);
		fallthrough;
	case LOOP_SET_FD:
	case LOOP_CHANGE_FD:
	case LOOP_CLR_FD:
	case LOOP_SET_CAPACITY:
	case LOOP_SET_DIRECT_IO:
	case LOOP_SET_BLOCK_SIZE:
		return loopx_ioctl(bdev, mode, cmd, arg);
	default:
		return -ENOIOCTLCMD;
	}
}
#endif

/**
 * loopx_open() - block_device_operations.open, through loopx_bdops_open()
 * @disk: the disk, whose whole device or a partition is being opened
 * @mode: open mode
 *
 * Called under disk->open_mutex. On 6.1 the block layer calls it at the
 * first open of the disk or of each partition; on 6.12 at every open of a
 * partition (the whole device: still only the first). open_count, and the
 * openers LOOPX_IOC_DETACH reports, can so differ between the two kernels
 * for the same opens of one partition; whether the device is busy does not.
 *
 * Return: 0, -ENXIO for a device that is being removed, -EINTR on a fatal
 * signal.
 */
int loopx_open(struct gendisk *disk, blk_mode_t mode)
{
	struct loopx_device *lo = disk->private_data;
	int ret = 0;

	/* an open waiting behind a stuck sync can be killed, as a call can */
	if (mutex_lock_killable(&lo->lock))
		return -EINTR;
	if (lo->state == LOOPX_DELETING)
		ret = -ENXIO;
	else
		WRITE_ONCE(lo->open_count, lo->open_count + 1);
	mutex_unlock(&lo->lock);
	return ret;
}

/**
 * loopx_release() - block_device_operations.release, through
 *	loopx_bdops_release()
 * @disk: the disk
 *
 * Called under disk->open_mutex, after the block layer has written back the
 * page cache of the last opener. The last close of an autoclear device
 * unbinds it before close() returns.
 */
void loopx_release(struct gendisk *disk)
{
	struct loopx_device *lo = disk->private_data;
	struct file *file = NULL;

	mutex_lock(&lo->lock);
	WRITE_ONCE(lo->open_count, lo->open_count - 1);
	if (!lo->open_count && lo->state == LOOPX_BOUND &&
	    (lo->flags & LO_FLAGS_AUTOCLEAR)) {
		loopx_set_state(lo, LOOPX_RUNDOWN);
		file = loopx_unbind(lo);
	}
	mutex_unlock(&lo->lock);
	wake_up_all(&lo->release_wq);
	if (file)
		fput(file);
}

const struct block_device_operations loopx_fops = {
	.owner		= THIS_MODULE,
	.open		= loopx_bdops_open,
	.release	= loopx_bdops_release,
	.ioctl		= loopx_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl	= loopx_compat_ioctl,
#endif
	.free_disk	= loopx_free_disk,
};
