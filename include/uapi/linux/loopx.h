/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * loopx's own ioctls, on top of <linux/loop.h>, which loopx implements
 * unchanged. The numbers use loop's 'L' type in a range loop does not use.
 */
#ifndef _UAPI_LINUX_LOOPX_H
#define _UAPI_LINUX_LOOPX_H

#include <linux/ioctl.h>
#include <linux/loop.h>
#include <linux/types.h>

/* Wait until the caller is the only opener instead of failing with EBUSY. */
#define LOOPX_DETACH_WAIT	(1U << 0)

/* All LOOPX_DETACH_* flags; anything else is refused with EINVAL. */
#define LOOPX_DETACH_ALL	(LOOPX_DETACH_WAIT)

/**
 * struct loopx_detach - argument of LOOPX_IOC_DETACH
 * @flags: LOOPX_DETACH_* (in)
 * @openers: how many others have the device or a partition open (out, also
 *	filled in when the ioctl fails with EBUSY)
 * @holders: how many of the disk and its partitions are held exclusively,
 *	which means mounted or claimed by a stacked driver (out, likewise)
 * @__reserved: must be zero
 *
 * LOOP_CLR_FD on a busy device only sets autoclear and returns 0, so the
 * caller cannot know when, or whether, the file is released. LOOPX_IOC_DETACH
 * is the strict form: it detaches now and returns 0 only when dirty data is
 * on the backing file, the file is released and the partitions are gone; it
 * fails with EBUSY (and says who holds the device) if anyone else has it
 * open, or with LOOPX_DETACH_WAIT waits until nobody does (EINTR on a
 * signal). ENXIO if nothing is bound.
 */
struct loopx_detach {
	__u32 flags;
	__u32 openers;
	__u32 holders;
	__u32 __reserved[5];
};

#define LOOPX_IOC_DETACH	_IOWR('L', 0x40, struct loopx_detach)

/* Bind with buffered I/O even where loopx would choose direct I/O. */
#define LOOPX_CONFIG_BUFFERED	(1U << 0)

/* All LOOPX_CONFIG_* flags; anything else is refused with EINVAL. */
#define LOOPX_CONFIG_ALL	(LOOPX_CONFIG_BUFFERED)

/**
 * struct loopx_ctl_config - argument of LOOPX_CTL_CONFIGURE
 * @index: the device to bind, or -1 for any unbound one (in); the device
 *	that was bound (out). A device that does not exist yet is created.
 * @flags: LOOPX_CONFIG_* (in)
 * @__reserved: must be zero
 * @config: what to bind, exactly as for LOOP_CONFIGURE
 *
 * LOOPX_CTL_CONFIGURE is issued on the control node, not on the device. It
 * binds a file without anyone opening the device node, which matters twice:
 *
 * - Closing a block device node that was open for writing makes udev
 *   re-read its partition table (BLKRRPART), and the partitions that
 *   LOOP_CONFIGURE has just scanned vanish and come back. Nothing opens
 *   the node here, so a PARTSCAN binding's partitions appear once and stay.
 * - With -1, finding a free device and binding it is one step: no other
 *   process can take the device in between, so there is nothing to retry.
 *
 * The device is bound read-only if LO_FLAGS_READ_ONLY is asked for, if the
 * file is not open for writing, or if the control node is not. Autoclear
 * takes effect at the last close of the device by whoever opens it later.
 * Returns the index; EINVAL, EBADF and EBUSY (only for an explicit index)
 * as LOOP_CONFIGURE would.
 */
struct loopx_ctl_config {
	__s32 index;
	__u32 flags;
	__u32 __reserved[2];
	struct loop_config config;
};

#define LOOPX_CTL_CONFIGURE	_IOWR('L', 0x41, struct loopx_ctl_config)

#endif /* _UAPI_LINUX_LOOPX_H */
