/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place that knows about kernel versions. loopx is written against
 * the 6.1 block API (Debian 12); newer kernels changed queue limits,
 * blk_mq_alloc_disk() and the open/release prototypes, and each such change
 * gets a wrapper here rather than an #if in the driver.
 */
#ifndef LOOPX_COMPAT_H
#define LOOPX_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "loopx needs Linux 6.1 or later"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "loopx has not been ported past the Linux 6.1 block API yet"
#endif

#endif /* LOOPX_COMPAT_H */
