// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure helpers of loopx; see logic.h for why they live apart.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <limits.h>
#include <string.h>
#define S64_MAX LLONG_MAX
#endif
#include "logic.h"

/**
 * loopx_span_bytes() - how many bytes of the backing file a device exposes
 * @file_size: current size of the backing file
 * @offset: where the device starts in the file
 * @sizelimit: the most the device may expose, 0 for no limit
 *
 * Return: the byte count; 0 when @offset lies at or past the end of the file.
 */
__u64 loopx_span_bytes(__u64 file_size, __u64 offset, __u64 sizelimit)
{
	__u64 span;

	if (offset >= file_size)
		return 0;
	span = file_size - offset;
	if (sizelimit && sizelimit < span)
		span = sizelimit;
	return span;
}

/**
 * loopx_capacity_sectors() - device capacity in 512-byte sectors
 * @file_size: current size of the backing file
 * @offset: where the device starts in the file
 * @sizelimit: the most the device may expose, 0 for no limit
 * @block_size: logical block size of the device, a power of two
 *
 * A trailing partial logical block is left out: the block layer cannot
 * address it, and a filesystem that sized itself to it would fail at the end.
 *
 * Return: the capacity in 512-byte sectors.
 */
__u64 loopx_capacity_sectors(__u64 file_size, __u64 offset, __u64 sizelimit,
			     unsigned int block_size)
{
	__u64 span = loopx_span_bytes(file_size, offset, sizelimit);

	span &= ~((__u64)block_size - 1);
	return span >> 9;
}

/**
 * loopx_check_block_size() - validate a logical block size from userspace
 * @block_size: the requested size
 * @max_size: the largest size the kernel supports (its page size)
 *
 * Return: 0 if @block_size is a power of two in [512, @max_size], else
 * -EINVAL.
 */
int loopx_check_block_size(unsigned int block_size, unsigned int max_size)
{
	if (block_size < LOOPX_MIN_BLOCK_SIZE || block_size > max_size)
		return -EINVAL;
	if (block_size & (block_size - 1))
		return -EINVAL;
	return 0;
}

/**
 * loopx_check_info() - validate the settable fields of a loop_info64
 * @info: what userspace passed to LOOP_CONFIGURE or LOOP_SET_STATUS64
 *
 * Whether an encryption type in range has a transform, and whether the
 * transform takes the key and cipher name, is for transfer.c to say.
 *
 * Return: 0, -EINVAL for an unsupported field or -EOVERFLOW for an offset or
 * size limit that does not fit a file position.
 */
int loopx_check_info(const struct loop_info64 *info)
{
	if (info->lo_encrypt_type >= MAX_LO_CRYPT)
		return -EINVAL;
	if (info->lo_encrypt_key_size > LO_KEY_SIZE)
		return -EINVAL;
	if (info->lo_offset > (__u64)S64_MAX || info->lo_sizelimit > (__u64)S64_MAX)
		return -EOVERFLOW;
	return 0;
}

/**
 * loopx_check_config() - validate a struct loop_config from LOOP_CONFIGURE
 * @config: the structure as copied from userspace
 * @max_block_size: the largest logical block size supported
 *
 * Unlike loop, the reserved words must be zero: that keeps them usable for
 * extensions, because an old loopx refuses what it does not understand.
 *
 * Return: 0 or a negative errno.
 */
int loopx_check_config(const struct loop_config *config,
		       unsigned int max_block_size)
{
	unsigned int i;

	if (config->info.lo_flags & ~LOOP_CONFIGURE_SETTABLE_FLAGS)
		return -EINVAL;
	for (i = 0; i < sizeof(config->__reserved) /
			sizeof(config->__reserved[0]); i++)
		if (config->__reserved[i])
			return -EINVAL;
	if (config->block_size &&
	    loopx_check_block_size(config->block_size, max_block_size))
		return -EINVAL;
	return loopx_check_info(&config->info);
}

/**
 * loopx_status_flags() - flags after a LOOP_SET_STATUS(64)
 * @old_flags: the device's flags now
 * @requested: lo_flags as passed by userspace
 *
 * Tools read the status, edit it and write it back, and old ones carry bits
 * that kernels dropped long ago, so everything but the settable flags is
 * ignored here, exactly as loop does; LOOP_CONFIGURE is where unknown bits
 * are refused.
 *
 * Return: the new flags.
 */
__u32 loopx_status_flags(__u32 old_flags, __u32 requested)
{
	__u32 flags;

	flags = old_flags & ~LOOP_SET_STATUS_SETTABLE_FLAGS;
	flags |= requested & LOOP_SET_STATUS_SETTABLE_FLAGS;
	/* a partition scan cannot be undone by clearing the flag */
	flags |= old_flags & LOOP_SET_STATUS_SETTABLE_FLAGS &
		 ~LOOP_SET_STATUS_CLEARABLE_FLAGS;
	return flags;
}

/**
 * loopx_info_from_old() - widen the legacy loop_info
 * @old: the legacy structure
 * @info: filled in; fields the legacy structure lacks are zero
 *
 * The legacy structure has no size limit and no cipher name, so
 * LOOP_SET_STATUS clears both, as it always has.
 */
void loopx_info_from_old(const struct loop_info *old, struct loop_info64 *info)
{
	memset(info, 0, sizeof(*info));
	LOOPX_INFO_COPY(info, old);
	memcpy(info->lo_file_name, old->lo_name, LO_NAME_SIZE);
}

/**
 * loopx_info_to_old() - narrow a loop_info64 into the legacy loop_info
 * @info: the full status
 * @old: filled in
 *
 * Return: 0, or -EOVERFLOW when a value does not fit the legacy field, so a
 * caller never acts on a silently truncated device number or offset.
 */
int loopx_info_to_old(const struct loop_info64 *info, struct loop_info *old)
{
	memset(old, 0, sizeof(*old));
	LOOPX_INFO_COPY(old, info);
	memcpy(old->lo_name, info->lo_file_name, LO_NAME_SIZE);
	if (loopx_info_narrowing_lost(info, old->lo_device, old->lo_rdevice,
				      old->lo_inode, old->lo_offset))
		return -EOVERFLOW;
	return 0;
}

/**
 * loopx_info_narrowing_lost() - did a narrowed status lose a value
 * @info: the full status
 * @device: the narrowed copy's lo_device, widened back
 * @rdevice: its lo_rdevice
 * @inode: its lo_inode
 * @offset: its lo_offset, sign-extended
 *
 * The legacy structures (loop_info, and its 32-bit twin) hold device
 * numbers, inode and offset in narrower fields, and their offset is signed.
 *
 * Return: true when a value did not survive the narrowing.
 */
bool loopx_info_narrowing_lost(const struct loop_info64 *info, __u64 device,
			       __u64 rdevice, __u64 inode, __s64 offset)
{
	return device != info->lo_device || rdevice != info->lo_rdevice ||
	       inode != info->lo_inode || offset < 0 ||
	       (__u64)offset != info->lo_offset;
}

/**
 * loopx_dio_aligned() - can requests reach the backing file with O_DIRECT
 * @offset: where the device starts in the backing file
 * @block_size: logical block size of the device
 * @dio_align: file offset alignment the backing file needs for direct I/O
 *
 * Every request starts and ends on a logical block, so direct I/O works
 * when both the device's start and its block size are multiples of what
 * the backing file demands.
 *
 * Return: true if direct I/O can be used.
 */
bool loopx_dio_aligned(__u64 offset, unsigned int block_size,
		       unsigned int dio_align)
{
	if (!dio_align || (dio_align & (dio_align - 1)))
		return false;
	return !(offset & (dio_align - 1)) && !(block_size & (dio_align - 1));
}
