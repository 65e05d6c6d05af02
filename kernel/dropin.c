// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked only into the drop-in build (a module named loop, compat mode by
 * default): the aliases through which the kernel and udev load loop on
 * demand, so that opening /dev/loop-control, or a /dev/loopN node of block
 * major 7, loads this module where it replaces the kernel's loop.ko.
 */
#include <linux/blkdev.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

MODULE_ALIAS_BLOCKDEV_MAJOR(LOOP_MAJOR);
MODULE_ALIAS_MISCDEV(LOOP_CTRL_MINOR);
MODULE_ALIAS("devname:loop-control");
