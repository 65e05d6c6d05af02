// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control node: /dev/loopx-control (native) or /dev/loop-control
 * (compat), answering LOOP_CTL_ADD, LOOP_CTL_REMOVE and LOOP_CTL_GET_FREE,
 * and loopx's LOOPX_CTL_CONFIGURE and LOOPX_CTL_LOOKUP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "loopx.h"

/*
 * Bind a device without opening it; see struct loopx_ctl_config. With no
 * index asked for, another binder may still take the free device first;
 * then the next one is tried, so the caller never sees that race.
 */
static int loopx_ctl_configure(struct file *file,
			       struct loopx_ctl_config __user *argp)
{
	/* the control node's open mode stands for the device's */
	blk_mode_t mode = BLK_OPEN_READ |
			  ((file->f_mode & FMODE_WRITE) ? BLK_OPEN_WRITE : 0);
	struct loopx_bind_opts opts;
	struct loopx_ctl_config req;
	struct loopx_crypt crypt;
	struct loopx_device *lo;
	int tries, ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = req.index < -1 ? -EINVAL :
	      loopx_bind_opts_get(&opts, req.flags, req.crypt, &req.ext, &crypt);
	if (ret)
		goto out_wipe;

	for (tries = 0; tries < 16; tries++) {
		lo = loopx_dev_hold(req.index);
		if (IS_ERR(lo)) {
			ret = PTR_ERR(lo);
			break;
		}
		ret = loopx_configure(lo, mode, &req.config, &opts);
		if (!ret)
			ret = lo->index;
		loopx_dev_unhold(lo);
		if (ret != -EBUSY || req.index >= 0)
			break;
	}
	/*
	 * The index is the return value as well: if it cannot be copied out,
	 * failing would leave a bound device that nobody knows about.
	 */
	if (ret >= 0 && put_user(ret, &argp->index))
		pr_debug("LOOPX_CTL_CONFIGURE: cannot write the index back\n");
	loopx_bind_opts_put(&opts);
out_wipe:
	loopx_wipe_key(&req.config.info);
	return ret;
}

static long loopx_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	/* the argument is an index passed by value; negative means "any" */
	int index = (int)arg;

	switch (cmd) {
	case LOOPX_CTL_CONFIGURE:
		return loopx_ctl_configure(file, (void __user *)arg);
	case LOOPX_CTL_LOOKUP:
		return loopx_lookup((void __user *)arg);
	case LOOP_CTL_ADD:
		return loopx_dev_add(index < 0 ? -1 : index);
	case LOOP_CTL_REMOVE:
		return loopx_dev_remove(index);
	case LOOP_CTL_GET_FREE:
		return loopx_dev_get_free();
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/* the layout is the same for 32-bit callers; only the pointer differs */
static long loopx_ctl_compat_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	if (cmd == LOOPX_CTL_CONFIGURE || cmd == LOOPX_CTL_LOOKUP)
		arg = (unsigned long)compat_ptr(arg);
	return loopx_ctl_ioctl(file, cmd, arg);
}
#else
#define loopx_ctl_compat_ioctl NULL
#endif

static const struct file_operations loopx_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= loopx_ctl_ioctl,
	.compat_ioctl	= loopx_ctl_compat_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice loopx_ctl_dev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "loopx-control",
	.nodename	= "loopx-control",
	.fops		= &loopx_ctl_fops,
	.mode		= 0600,
};

/**
 * loopx_ctl_register() - create the control node
 * @compat: take loop's name and minor
 *
 * Return: 0 or a negative errno; in compat mode -EBUSY means loop's control
 * minor is already taken.
 */
int loopx_ctl_register(bool compat)
{
	int ret;

	if (compat) {
		loopx_ctl_dev.minor = LOOP_CTRL_MINOR;
		loopx_ctl_dev.name = "loop-control";
		loopx_ctl_dev.nodename = "loop-control";
	}
	ret = misc_register(&loopx_ctl_dev);
	if (ret)
		pr_err("cannot register %s: %d\n", loopx_ctl_dev.name, ret);
	return ret;
}

/**
 * loopx_ctl_unregister() - remove the control node
 */
void loopx_ctl_unregister(void)
{
	misc_deregister(&loopx_ctl_dev);
}
