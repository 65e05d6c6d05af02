/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place that knows about kernel versions. loopx builds for two
 * kernel series, Debian 12's 6.1 and bookworm-backports' 6.12. The driver is
 * written against the 6.12 names (blk_mode_t, BLK_OPEN_*) and against the
 * small interfaces below; each API that differs between the two gets a
 * wrapper here rather than an #if in the driver.
 */
#ifndef LOOPX_COMPAT_H
#define LOOPX_COMPAT_H

#include <linux/version.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "loopx needs Linux 6.1 or later"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#error "loopx supports the 6.1 and 6.12 block APIs, not those in between"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "loopx has not been ported past the Linux 6.12 block API yet"
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
/*
 * 6.5 split the block open mode from fmode_t; 6.1 has only the FMODE bits.
 * A macro, not a typedef: the name is the kernel's, not a new type.
 */
#define blk_mode_t	fmode_t
#define BLK_OPEN_READ	FMODE_READ
#define BLK_OPEN_WRITE	FMODE_WRITE
#define BLK_OPEN_EXCL	FMODE_EXCL
#endif

/* The callbacks the block_device_operations adapters below call (bdops.c). */
int loopx_open(struct gendisk *disk, blk_mode_t mode);
void loopx_release(struct gendisk *disk);

/**
 * struct loopx_limits - the queue limits and features loopx sets
 * @block_size: logical and physical block size and minimum I/O, bytes
 * @dma_alignment: memory alignment mask for request buffers
 * @discard_granularity: bytes; 0 with no discard
 * @discard_sectors: the largest discard
 * @write_zeroes_sectors: the largest write-zeroes
 * @write_cache: the device has a volatile write cache (and takes FUA)
 * @rotational: the device reports itself rotational
 *
 * Read with loopx_limits_get(), change, write back with loopx_limits_set():
 * on 6.12 one atomic update of the queue limits, on 6.1 the old setters.
 */
struct loopx_limits {
	unsigned int block_size;
	unsigned int dma_alignment;
	unsigned int discard_granularity;
	unsigned int discard_sectors;
	unsigned int write_zeroes_sectors;
	bool write_cache;
	bool rotational;
};

/* The limits that both series keep in the same fields. */
static inline void loopx_limits_get_common(struct request_queue *q,
					   struct loopx_limits *l)
{
	l->block_size = q->limits.logical_block_size;
	l->dma_alignment = q->limits.dma_alignment;
	l->discard_granularity = q->limits.discard_granularity;
	l->discard_sectors = q->limits.max_hw_discard_sectors;
	l->write_zeroes_sectors = q->limits.max_write_zeroes_sectors;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)

static inline int loopx_bdops_open(struct gendisk *disk, blk_mode_t mode)
{
	return loopx_open(disk, mode);
}

static inline void loopx_bdops_release(struct gendisk *disk)
{
	loopx_release(disk);
}

/*
 * The limits a new disk starts with, set as it is allocated: 6.1's default
 * request size, and rotational as on 6.1, where a new queue starts so (a
 * 6.12 queue is non-rotational unless told otherwise).
 */
static inline struct gendisk *loopx_alloc_disk(struct blk_mq_tag_set *set,
					       void *queuedata)
{
	struct queue_limits lim = {
		.max_hw_sectors	= BLK_DEF_MAX_SECTORS_CAP,
		.features	= BLK_FEAT_ROTATIONAL,
	};

	return blk_mq_alloc_disk(set, &lim, queuedata);
}

static inline void loopx_limits_get(struct request_queue *q,
				    struct loopx_limits *l)
{
	loopx_limits_get_common(q, l);
	l->write_cache = q->limits.features & BLK_FEAT_WRITE_CACHE;
	l->rotational = q->limits.features & BLK_FEAT_ROTATIONAL;
}

/*
 * One update under the queue's limits lock, validated by the block layer,
 * which may round some values up (a discard granularity below the block
 * size, for one). The queue is frozen or cannot see requests.
 */
static inline int loopx_limits_set(struct request_queue *q,
				   const struct loopx_limits *l)
{
	struct queue_limits lim = queue_limits_start_update(q);

	lim.logical_block_size = l->block_size;
	lim.physical_block_size = l->block_size;
	lim.io_min = l->block_size;
	lim.dma_alignment = l->dma_alignment;
	lim.discard_granularity = l->discard_granularity;
	lim.max_hw_discard_sectors = l->discard_sectors;
	lim.max_write_zeroes_sectors = l->write_zeroes_sectors;
	if (l->write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	else
		lim.features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	if (l->rotational)
		lim.features |= BLK_FEAT_ROTATIONAL;
	else
		lim.features &= ~BLK_FEAT_ROTATIONAL;
	return queue_limits_commit_update(q, &lim);
}

static inline struct inode *loopx_bdev_inode(struct block_device *bdev)
{
	return bdev->bd_mapping->host;
}

/*
 * 6.12 no longer sets GD_NEED_PART_SCAN here, and marks part0 dead (sync
 * and invalidate, or the holder's ->mark_dead) where 6.1 invalidated it.
 * loopx calls it with no other opener and no holder, and sets or clears
 * GD_NEED_PART_SCAN itself right after, so both behave the same for it.
 */
static inline void loopx_force_media_change(struct gendisk *disk)
{
	disk_force_media_change(disk);
}

static inline int loopx_prepare_to_claim(struct block_device *bdev,
					 void *holder)
{
	return bd_prepare_to_claim(bdev, holder, NULL);
}

/* 6.12 moved "buffered writes may be tried with IOCB_NOWAIT" to the f_op. */
static inline bool loopx_file_nowait_buffered_write(struct file *file)
{
	return file->f_op->fop_flags & FOP_BUFFER_WASYNC;
}

#else /* 6.1 */

static inline int loopx_bdops_open(struct block_device *bdev, fmode_t mode)
{
	return loopx_open(bdev->bd_disk, mode);
}

static inline void loopx_bdops_release(struct gendisk *disk, fmode_t mode)
{
	loopx_release(disk);
}

static inline struct gendisk *loopx_alloc_disk(struct blk_mq_tag_set *set,
					       void *queuedata)
{
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);

	if (!IS_ERR(disk))
		blk_queue_max_hw_sectors(disk->queue, BLK_DEF_MAX_SECTORS);
	return disk;
}

static inline void loopx_limits_get(struct request_queue *q,
				    struct loopx_limits *l)
{
	loopx_limits_get_common(q, l);
	l->write_cache = test_bit(QUEUE_FLAG_WC, &q->queue_flags);
	l->rotational = !blk_queue_nonrot(q);
}

/* Only what changed goes through the setters, one by one. */
static inline int loopx_limits_set(struct request_queue *q,
				   const struct loopx_limits *l)
{
	struct loopx_limits old;

	loopx_limits_get(q, &old);
	if (l->block_size != old.block_size) {
		blk_queue_logical_block_size(q, l->block_size);
		blk_queue_physical_block_size(q, l->block_size);
		blk_queue_io_min(q, l->block_size);
	}
	if (l->dma_alignment != old.dma_alignment)
		blk_queue_dma_alignment(q, l->dma_alignment);
	q->limits.discard_granularity = l->discard_granularity;
	if (l->discard_sectors != old.discard_sectors)
		blk_queue_max_discard_sectors(q, l->discard_sectors);
	if (l->write_zeroes_sectors != old.write_zeroes_sectors)
		blk_queue_max_write_zeroes_sectors(q, l->write_zeroes_sectors);
	if (l->write_cache != old.write_cache)
		blk_queue_write_cache(q, l->write_cache, l->write_cache);
	if (l->rotational)
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	return 0;
}

static inline struct inode *loopx_bdev_inode(struct block_device *bdev)
{
	return bdev->bd_inode;
}

static inline void loopx_force_media_change(struct gendisk *disk)
{
	disk_force_media_change(disk, DISK_EVENT_MEDIA_CHANGE);
}

static inline int loopx_prepare_to_claim(struct block_device *bdev,
					 void *holder)
{
	return bd_prepare_to_claim(bdev, holder);
}

static inline bool loopx_file_nowait_buffered_write(struct file *file)
{
	return file->f_mode & FMODE_BUF_WASYNC;
}

#endif

#endif /* LOOPX_COMPAT_H */
