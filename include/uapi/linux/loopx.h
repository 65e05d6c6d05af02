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

/* Data units of 4096 bytes (dm-crypt's sector_size:4096), not 512. */
#define LOOPX_CRYPT_UNIT_4K	(1U << 0)
/* The IV counts data units, not 512-byte sectors (iv_large_sectors). */
#define LOOPX_CRYPT_IV_LARGE	(1U << 1)
/*
 * Discard punches holes in the file, as dm-crypt's allow_discards passes it
 * down: a discarded range then reads as the decryption of zeroes, not as
 * zeroes, and the file shows which ranges hold no data.
 */
#define LOOPX_CRYPT_DISCARD	(1U << 2)
/* All LOOPX_CRYPT_* flags; anything else is refused with EINVAL. */
#define LOOPX_CRYPT_ALL		(LOOPX_CRYPT_UNIT_4K | LOOPX_CRYPT_IV_LARGE | \
				 LOOPX_CRYPT_DISCARD)

/**
 * struct loopx_crypt - encryption that struct loop_info64 cannot express
 * @cipher: the cipher in dm-crypt's format, NUL-terminated, as
 *	lo_crypt_name would carry it ("aes-xts-plain64")
 * @key: where the key is, in dm-crypt's key string format for a logon key
 *	of the kernel keyring, NUL-terminated: ":<size>:logon:<description>"
 *	(add it with "keyctl padd logon <description> @u"); size up to 64
 * @flags: LOOPX_CRYPT_*
 * @__reserved0: must be zero
 * @iv_offset: added to every 512-byte sector number before the IV is made
 *	from it, dm-crypt's <iv_offset>, for old images
 * @__reserved: must be zero
 *
 * Pointed to by loopx_config.crypt or loopx_ctl_config.crypt; the binding
 * then encrypts with LO_CRYPT_CRYPTOAPI, and the caller leaves
 * lo_encrypt_type, lo_encrypt_key_size and lo_crypt_name zero. With LOOPX_CRYPT_UNIT_4K the
 * logical block size is 4096 (0 asks for that, a smaller one is EINVAL).
 * EINVAL for an unknown cipher or flag, a size that differs from the
 * key's, or a key of another type; ENOKEY if no such key is found; EPERM
 * without CAP_SYS_ADMIN.
 */
struct loopx_crypt {
	char cipher[64];
	char key[256];
	__u32 flags;
	__u32 __reserved0;
	__u64 iv_offset;
	__u64 __reserved[4];
};

/*
 * A tag names a binding for the program that made it: at most this many
 * bytes, none of them a NUL or a newline.
 */
#define LOOPX_TAG_MAX		256

/**
 * struct loopx_config_ext - what follows struct loop_config in loopx's
 *	configure ioctls
 * @tag: a pointer to the binding's tag, or 0 for none (in)
 * @tag_len: the tag's length in bytes, without a NUL; 0 with no tag (in)
 * @__reserved0: must be zero
 * @__reserved: must be zero
 *
 * The tag is set with the binding and goes with it; sysfs shows it in
 * loopx/tag, and LOOPX_CTL_LOOKUP with LOOPX_LOOKUP_TAG finds the devices
 * that carry it, so a program finds its own devices without parsing paths.
 * EINVAL for a tag over LOOPX_TAG_MAX bytes or with a NUL or a newline in
 * it, and for reserved words that are not zero.
 */
struct loopx_config_ext {
	__u64 tag;
	__u32 tag_len;
	__u32 __reserved0;
	__u64 __reserved[4];
};

/**
 * struct loopx_ctl_config - argument of LOOPX_CTL_CONFIGURE
 * @index: the device to bind, or -1 for any unbound one (in); the device
 *	that was bound (out). A device that does not exist yet is created.
 * @flags: LOOPX_CONFIG_* (in)
 * @crypt: a pointer to a struct loopx_crypt, or 0 (in)
 * @config: what to bind, exactly as for LOOP_CONFIGURE
 * @ext: the tag, and room to grow
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
 *
 * Returns the index; EINVAL, EBADF and EBUSY (only for an explicit index)
 * as LOOP_CONFIGURE would; the errors of struct loopx_crypt and struct
 * loopx_config_ext.
 */
struct loopx_ctl_config {
	__s32 index;
	__u32 flags;
	__u64 crypt;
	struct loop_config config;
	struct loopx_config_ext ext;
};

#define LOOPX_CTL_CONFIGURE	_IOWR('L', 0x41, struct loopx_ctl_config)

/**
 * struct loopx_config - argument of LOOPX_IOC_CONFIGURE
 * @flags: LOOPX_CONFIG_* (in)
 * @__reserved0: must be zero
 * @crypt: a pointer to a struct loopx_crypt, or 0 (in)
 * @config: what to bind, exactly as for LOOP_CONFIGURE
 * @ext: the tag, and room to grow
 *
 * LOOP_CONFIGURE with loopx's extensions, issued on the device like
 * LOOP_CONFIGURE itself: the file, the configuration, the flags, the
 * encryption and the tag are set in one step, so no request ever reaches
 * the file unencrypted. Errors as for LOOP_CONFIGURE, struct loopx_crypt
 * and struct loopx_config_ext.
 */
struct loopx_config {
	__u32 flags;
	__u32 __reserved0;
	__u64 crypt;
	struct loop_config config;
	struct loopx_config_ext ext;
};

#define LOOPX_IOC_CONFIGURE	_IOW('L', 0x42, struct loopx_config)

/* Find the devices whose binding carries @tag, not those of a file. */
#define LOOPX_LOOKUP_TAG	(1U << 0)
/* All LOOPX_LOOKUP_* flags; anything else is refused with EINVAL. */
#define LOOPX_LOOKUP_ALL	(LOOPX_LOOKUP_TAG)

/* At most this many indices are written by one LOOPX_CTL_LOOKUP. */
#define LOOPX_LOOKUP_MAX	4096

/**
 * struct loopx_lookup - argument of LOOPX_CTL_LOOKUP
 * @dev: the backing file's st_dev as stat(2) reports it, which is also
 *	what LOOP_GET_STATUS64 reports as lo_device (in); 0 with
 *	LOOPX_LOOKUP_TAG
 * @ino: its st_ino, LOOP_GET_STATUS64's lo_inode (in); 0 with
 *	LOOPX_LOOKUP_TAG
 * @indices: a pointer to an array of __s32, or 0 to count only (in); the
 *	indices of the devices bound to the file, lowest first (out)
 * @max: room in @indices, at most LOOPX_LOOKUP_MAX (in)
 * @count: how many devices are bound to the file, which may be more than
 *	@max (out)
 * @flags: LOOPX_LOOKUP_* (in)
 * @tag_len: with LOOPX_LOOKUP_TAG, the length of @tag in bytes (in)
 * @tag: with LOOPX_LOOKUP_TAG, a pointer to the tag to find, as struct
 *	loopx_config_ext takes it (in); else both are zero
 * @__reserved: must be zero
 *
 * Which devices hold this file, answered from an index the devices keep
 * as they bind, without a scan of every device: a file is the same file
 * through a symlink, a bind mount or another mount namespace, because it is
 * named by its device and inode numbers as stat(2) gave them when it was
 * bound. With LOOPX_LOOKUP_TAG it answers which devices carry a tag
 * instead. Issued on the control node. Returns 0, with @count 0 when no
 * device holds the file (or carries the tag); EINVAL for flags, reserved
 * words or @max out of range, or a tag that no binding could carry;
 * EFAULT for a bad pointer.
 */
struct loopx_lookup {
	__u64 dev;
	__u64 ino;
	__u64 indices;
	__u32 max;
	__u32 count;
	__u32 flags;
	__u32 tag_len;
	__u64 tag;
	__u32 __reserved[2];
};

#define LOOPX_CTL_LOOKUP	_IOWR('L', 0x43, struct loopx_lookup)

#endif /* _UAPI_LINUX_LOOPX_H */
