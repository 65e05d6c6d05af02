// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control node: /dev/loopx-control (native) or /dev/loop-control
 * (compat), answering LOOP_CTL_ADD, LOOP_CTL_REMOVE and LOOP_CTL_GET_FREE.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>

#include "loopx.h"

static long loopx_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	/* the argument is an index passed by value; negative means "any" */
	int index = (int)arg;

	switch (cmd) {
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

static const struct file_operations loopx_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= loopx_ctl_ioctl,
	.compat_ioctl	= loopx_ctl_ioctl,
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
 *
 * Return: 0 or a negative errno; in compat mode -EBUSY means loop's control
 * minor is already taken.
 */
int loopx_ctl_register(void)
{
	int ret;

	if (loopx_compat) {
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
