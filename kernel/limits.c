// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a backing file lets a device do: its size, whether direct I/O works
 * and with which alignment, discard and write-zeroes, rotational or not.
 * Every function here is called with lo->lock held, and those that change
 * queue limits with the queue frozen or the device unbound.
 */
#include <linux/backing-dev-defs.h>
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/stat.h>

#include "loopx.h"
#include "logic.h"

static struct block_device *loopx_backing_bdev(struct file *file)
{
	struct inode *inode = file->f_mapping->host;

	if (S_ISBLK(inode->i_mode))
		return I_BDEV(inode);
	return inode->i_sb->s_bdev;
}

/**
 * loopx_probe_backing() - read the direct I/O alignment of a backing file,
 *	and whether non-blocking submission is worth a try
 * @lo: the device being bound
 * @file: its backing file
 *
 * STATX_DIOALIGN (6.1) tells exactly; a filesystem that does not report it
 * is assumed to need the logical block size of the device it lives on.
 */
void loopx_probe_backing(struct loopx_device *lo, struct file *file)
{
	struct inode *inode = file->f_mapping->host;
	struct block_device *bdev = loopx_backing_bdev(file);
	struct kstat stat;

	lo->dio_align = bdev ? bdev_logical_block_size(bdev) : SECTOR_SIZE;
	lo->dio_mem_align = lo->dio_align;
	/*
	 * IOCB_NOWAIT submission from ->queue_rq saves a wake-up where
	 * submitting is cheap and completion comes later: a blk-mq device
	 * that takes REQ_NOWAIT bios (others fail them with EOPNOTSUPP). A
	 * bio-based device below (brd, zram, device-mapper) does its work
	 * while the bio is submitted; there the submitter would do every
	 * request's copying itself, one after the other, where the workers
	 * share it out over the CPUs. Without a block device (NFS, say)
	 * nobody says it would not block.
	 */
	lo->try_nowait = (file->f_mode & FMODE_NOWAIT) && bdev &&
			 bdev_nowait(bdev) && queue_is_mq(bdev_get_queue(bdev));
	if (S_ISBLK(inode->i_mode))
		return;
	if (vfs_getattr(&file->f_path, &stat, STATX_DIOALIGN,
			AT_STATX_SYNC_AS_STAT))
		return;
	if ((stat.result_mask & STATX_DIOALIGN) && stat.dio_offset_align) {
		lo->dio_align = stat.dio_offset_align;
		lo->dio_mem_align = stat.dio_mem_align ?: 1;
	}
}

/**
 * loopx_dio_unusable() - why direct I/O cannot be used, if it cannot
 * @lo: the device, with dio_align probed
 * @file: the backing file
 * @offset: the device's start in @file
 * @block_size: the device's logical block size
 *
 * Return: NULL when direct I/O works, else a reason for sysfs.
 */
const char *loopx_dio_unusable(struct loopx_device *lo, struct file *file,
			       loff_t offset, unsigned int block_size)
{
	if (!(file->f_mode & FMODE_CAN_ODIRECT))
		return "backing file does not support O_DIRECT";
	if (lo->dio_align > PAGE_SIZE || lo->dio_mem_align > PAGE_SIZE)
		return "backing file needs more than page alignment";
	if (!loopx_dio_aligned(offset, block_size, lo->dio_align))
		return "offset or block size not aligned to the backing file";
	return NULL;
}

/**
 * loopx_apply_dio() - switch direct I/O and the limits that follow from it
 * @lo: the device; its file, offset and block size are set
 * @want: true to use direct I/O where possible
 * @off_reason: what sysfs says when @want is false
 *
 * Direct I/O needs buffers aligned for the backing file, which the queue's
 * DMA alignment guarantees for every request that reaches us.
 */
void loopx_apply_dio(struct loopx_device *lo, bool want, const char *off_reason)
{
	struct request_queue *q = lo->disk->queue;
	const char *why = loopx_dio_unusable(lo, lo->file, lo->offset,
					     queue_logical_block_size(q));

	lo->use_dio = want && !why;
	if (lo->use_dio) {
		lo->flags |= LO_FLAGS_DIRECT_IO;
		lo->dio_reason = "";
		blk_queue_dma_alignment(q, max_t(u32, lo->dio_mem_align,
						 SECTOR_SIZE) - 1);
	} else {
		lo->flags &= ~LO_FLAGS_DIRECT_IO;
		lo->dio_reason = want ? why : off_reason;
		blk_queue_dma_alignment(q, SECTOR_SIZE - 1);
	}
}

/**
 * loopx_default_block_size() - the logical block size when none is asked for
 * @lo: the device, with dio_align probed
 * @want_dio: whether direct I/O is wanted
 *
 * With direct I/O the block size follows what the backing file needs, so
 * direct I/O works out of the box on 4K-sector storage; otherwise 512.
 *
 * Return: the block size in bytes.
 */
unsigned int loopx_default_block_size(struct loopx_device *lo, bool want_dio)
{
	if (want_dio && lo->dio_align > SECTOR_SIZE && lo->dio_align <= PAGE_SIZE)
		return lo->dio_align;
	return SECTOR_SIZE;
}

/**
 * loopx_set_block_limits() - logical and physical block size, minimum I/O
 * @lo: the device
 * @block_size: the logical block size, already validated
 */
void loopx_set_block_limits(struct loopx_device *lo, unsigned int block_size)
{
	struct request_queue *q = lo->disk->queue;

	blk_queue_logical_block_size(q, block_size);
	blk_queue_physical_block_size(q, block_size);
	blk_queue_io_min(q, block_size);
}

/*
 * Can holes be punched in @file? Ask the filesystem where the answer cannot
 * touch data: one block at the very end of the largest file it allows, far
 * past the real end, where punching is a no-op wherever it is supported.
 */
static bool loopx_can_punch_hole(struct file *file)
{
	struct inode *inode = file->f_mapping->host;
	loff_t len = inode->i_sb->s_blocksize;
	loff_t pos = round_down(inode->i_sb->s_maxbytes - len, len);

	if (!file->f_op->fallocate || !(file->f_mode & FMODE_WRITE))
		return false;
	if (pos <= i_size_read(inode))
		return false;
	return !vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      pos, len);
}

/**
 * loopx_set_file_limits() - limits that come from the backing file
 * @lo: the device; lo->file is set
 *
 * Discard and write-zeroes go to fallocate(), so they are offered only when
 * the backing filesystem can punch holes; a block device passes its own
 * limits on. Read-ahead is at least the backing device's.
 */
void loopx_set_file_limits(struct loopx_device *lo)
{
	struct request_queue *q = lo->disk->queue;
	struct file *file = lo->file;
	struct inode *inode = file->f_mapping->host;
	struct block_device *bdev = loopx_backing_bdev(file);
	bool writable = !(lo->flags & LO_FLAGS_READ_ONLY);
	unsigned int max_discard = 0, max_zeroes = 0, granularity = 0;

	if (S_ISBLK(inode->i_mode)) {
		max_discard = bdev_max_discard_sectors(bdev);
		max_zeroes = bdev_write_zeroes_sectors(bdev);
		granularity = bdev_discard_granularity(bdev);
	} else if (writable && loopx_can_punch_hole(file)) {
		max_discard = UINT_MAX >> SECTOR_SHIFT;
		max_zeroes = UINT_MAX >> SECTOR_SHIFT;
		granularity = inode->i_sb->s_blocksize;
	}
	if (!writable) {
		max_discard = 0;
		max_zeroes = 0;
	}
	q->limits.discard_granularity = max_discard ? granularity : 0;
	blk_queue_max_discard_sectors(q, max_discard);
	blk_queue_max_write_zeroes_sectors(q, max_zeroes);

	blk_queue_write_cache(q, writable, writable);
	if (bdev)
		lo->disk->bdi->ra_pages = max(bdev->bd_disk->bdi->ra_pages,
					      VM_READAHEAD_PAGES);
	if (!bdev || bdev_nonrot(bdev))
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
}

/**
 * loopx_reset_limits() - the limits of an unbound device
 * @lo: the device, its file already detached
 */
void loopx_reset_limits(struct loopx_device *lo)
{
	struct request_queue *q = lo->disk->queue;

	loopx_set_block_limits(lo, SECTOR_SIZE);
	q->limits.discard_granularity = 0;
	blk_queue_max_discard_sectors(q, 0);
	blk_queue_max_write_zeroes_sectors(q, 0);
	blk_queue_write_cache(q, false, false);
	blk_queue_dma_alignment(q, SECTOR_SIZE - 1);
	lo->disk->bdi->ra_pages = VM_READAHEAD_PAGES;
}

/**
 * loopx_file_sectors() - the capacity a backing file gives
 * @lo: a bound device, for its offset, size limit and block size
 * @file: its backing file, or the one that is to replace it
 *
 * Return: capacity in 512-byte sectors.
 */
sector_t loopx_file_sectors(struct loopx_device *lo, struct file *file)
{
	return loopx_capacity_sectors(i_size_read(file->f_mapping->host),
				      lo->offset, lo->sizelimit,
				      queue_logical_block_size(lo->disk->queue));
}
