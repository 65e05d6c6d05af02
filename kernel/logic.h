/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pure helpers of loopx: size arithmetic, validation of what userspace hands
 * in, and conversion between the two status structures of <linux/loop.h>.
 *
 * Nothing here touches kernel state, so the same file builds into the module
 * and into the host-side unit tests (tests/unit/logic_test.c).
 */
#ifndef LOOPX_LOGIC_H
#define LOOPX_LOGIC_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>
#endif
#include <linux/loop.h>

/* Every flag bit the ABI defines; anything else is a caller's mistake. */
#define LOOPX_KNOWN_FLAGS	(LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | \
				 LO_FLAGS_PARTSCAN | LO_FLAGS_DIRECT_IO)

#define LOOPX_MIN_BLOCK_SIZE	512U

/*
 * loop_info, its 32-bit twin and loop_info64 carry the same fields at
 * different widths (and the file name under another name in loop_info64,
 * which the callers copy). One list keeps the four conversions (logic.c,
 * bdops.c) in step; what a narrowing lost, loopx_info_narrowing_lost() tells.
 */
#define LOOPX_INFO_COPY(dst_, src_)					\
do {									\
	typeof(dst_) d__ = (dst_);					\
	typeof(src_) s__ = (src_);					\
									\
	d__->lo_number = s__->lo_number;				\
	d__->lo_device = s__->lo_device;				\
	d__->lo_inode = s__->lo_inode;					\
	d__->lo_rdevice = s__->lo_rdevice;				\
	d__->lo_offset = s__->lo_offset;				\
	d__->lo_encrypt_type = s__->lo_encrypt_type;			\
	d__->lo_encrypt_key_size = s__->lo_encrypt_key_size;		\
	d__->lo_flags = s__->lo_flags;					\
	d__->lo_init[0] = s__->lo_init[0];				\
	d__->lo_init[1] = s__->lo_init[1];				\
	memcpy(d__->lo_encrypt_key, s__->lo_encrypt_key, LO_KEY_SIZE);	\
} while (0)

__u64 loopx_span_bytes(__u64 file_size, __u64 offset, __u64 sizelimit);
__u64 loopx_capacity_sectors(__u64 file_size, __u64 offset, __u64 sizelimit,
			     unsigned int block_size);
int loopx_check_block_size(unsigned int block_size, unsigned int max_size);
int loopx_check_info(const struct loop_info64 *info);
int loopx_check_config(const struct loop_config *config,
		       unsigned int max_block_size);
__u32 loopx_status_flags(__u32 old_flags, __u32 requested);
void loopx_info_from_old(const struct loop_info *old, struct loop_info64 *info);
int loopx_info_to_old(const struct loop_info64 *info, struct loop_info *old);
bool loopx_info_narrowing_lost(const struct loop_info64 *info, __u64 device,
			       __u64 rdevice, __u64 inode, __s64 offset);
bool loopx_dio_aligned(__u64 offset, unsigned int block_size,
		       unsigned int dio_align);

#endif /* LOOPX_LOGIC_H */
