// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a backing file lets a device do: its size, whether direct I/O works
 * and with which alignment, discard and write-zeroes, rotational or not.
 * Every function here is called with lo->lock held, and those that change
 * queue limits with the queue frozen or the device unbound. Those read the
 * limits loopx owns, change some and write them back as one (struct
 * loopx_limits, compat.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/backing-dev-defs.h>
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/stat.h>
#include <linux/uio.h>

#include "loopx.h"
#include "logic.h"

/*
 * Write back limits read with loopx_limits_get(). 6.12 validates them, and
 * recomputes the read-ahead from the limits as it applies them: read-ahead
 * is loopx's (or the administrator's) to choose, so it is kept.
 */
static void loopx_commit_limits(struct loopx_device *lo,
				const struct loopx_limits *lim)
{
	unsigned long ra_pages = lo->disk->bdi->ra_pages;
	int ret;

	ret = loopx_limits_set(lo->disk->queue, lim);
	if (ret)
		pr_warn("%s: queue limits refused: %d\n", lo->disk->disk_name,
			ret);
	lo->disk->bdi->ra_pages = ra_pages;
}

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

/*
 * Read the device's first block with IOCB_DIRECT, from a page of our own.
 * FMODE_CAN_ODIRECT is a promise the file cannot always keep: overlayfs
 * makes it for a file whose upper layer (tmpfs) refuses O_DIRECT at the
 * first read, and a refusal found here costs nothing, where one found on
 * the data path costs a request's detour. A file too short to read from
 * proves nothing either way; the data path then has the last word.
 */
static int loopx_read_direct(struct file *file, loff_t pos, unsigned int len)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct bio_vec bvec;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	if (!page)
		return -ENOMEM;
	bvec.bv_page = page;
	bvec.bv_offset = 0;
	bvec.bv_len = len;
	iov_iter_bvec(&iter, ITER_DEST, &bvec, 1, len);
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags |= IOCB_DIRECT;
	ret = file->f_op->read_iter(&kiocb, &iter);
	__free_page(page);
	return ret < 0 ? ret : 0;
}

/**
 * loopx_dio_unusable() - why direct I/O cannot be used, if it cannot
 * @lo: the device, with dio_align probed
 * @file: the backing file
 * @offset: the device's start in @file
 * @block_size: the device's logical block size
 * @err: set to the errno behind the reason, or 0
 *
 * Return: NULL when direct I/O works, else a reason for sysfs.
 */
const char *loopx_dio_unusable(struct loopx_device *lo, struct file *file,
			       loff_t offset, unsigned int block_size,
			       int *err)
{
	*err = 0;
	if (!(file->f_mode & FMODE_CAN_ODIRECT))
		return "backing file does not support O_DIRECT";
	if (lo->dio_align > PAGE_SIZE || lo->dio_mem_align > PAGE_SIZE)
		return "backing file needs more than page alignment";
	if (!loopx_dio_aligned(offset, block_size, lo->dio_align))
		return "offset or block size not aligned to the backing file";
	*err = loopx_read_direct(file, offset, block_size);
	if (*err)
		return "backing filesystem refused O_DIRECT";
	return NULL;
}

/**
 * loopx_apply_dio() - switch direct I/O and the limits that follow from it
 * @lo: the device; its file, offset and block size are set
 * @want: true to use direct I/O where possible
 * @off_reason: what sysfs says when @want is false
 * @off_err: the errno sysfs shows with @off_reason, or 0
 *
 * Direct I/O needs buffers aligned for the backing file, which the queue's
 * DMA alignment guarantees for every request that reaches us.
 */
void loopx_apply_dio(struct loopx_device *lo, bool want,
		     const char *off_reason, int off_err)
{
	struct request_queue *q = lo->disk->queue;
	struct loopx_limits lim;
	const char *why = NULL;
	int err = 0;

	loopx_limits_get(q, &lim);
	if (want)
		why = loopx_dio_unusable(lo, lo->file, lo->offset,
					 queue_logical_block_size(q), &err);
	lo->use_dio = want && !why;
	if (lo->use_dio) {
		WRITE_ONCE(lo->flags, lo->flags | LO_FLAGS_DIRECT_IO);
		WRITE_ONCE(lo->dio_reason, "");
		WRITE_ONCE(lo->dio_err, 0);
		lim.dma_alignment = max_t(u32, lo->dio_mem_align,
					  SECTOR_SIZE) - 1;
	} else {
		WRITE_ONCE(lo->flags, lo->flags & ~LO_FLAGS_DIRECT_IO);
		WRITE_ONCE(lo->dio_reason, want ? why : off_reason);
		WRITE_ONCE(lo->dio_err, want ? err : off_err);
		lim.dma_alignment = SECTOR_SIZE - 1;
	}
	/* a transform works on whole data units, each within one page */
	if (lo->xfer.ops)
		lim.dma_alignment = max(lim.dma_alignment,
					lo->xfer.unit_size - 1);
	loopx_commit_limits(lo, &lim);
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
	struct loopx_limits lim;

	loopx_limits_get(lo->disk->queue, &lim);
	lim.block_size = block_size;
	loopx_commit_limits(lo, &lim);
}

/*
 * The unit in which the backing filesystem allocates. Overlayfs leaves its
 * superblock's block size at zero (its files live elsewhere): a page then.
 */
static unsigned int loopx_alloc_unit(struct inode *inode)
{
	return inode->i_sb->s_blocksize ?: PAGE_SIZE;
}

/*
 * Can holes be punched in @file? Ask the filesystem where the answer cannot
 * touch data: past the real end of the file, where punching is a no-op
 * wherever it is supported. First one block short of the largest file the
 * filesystem allows, far from anything a writer may be adding; a stacked
 * filesystem (overlayfs over ext4) may allow larger files than the one
 * below it, which then says EFBIG, so just past the end after that.
 * The VFS has no query for what ->fallocate supports, so the call itself
 * is the question; 046 (twelve backing filesystems, discard on or off as
 * each allows) and 045 fail if the answer goes wrong either way.
 */
static bool loopx_can_punch_hole(struct file *file)
{
	struct inode *inode = file->f_mapping->host;
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	loff_t len = loopx_alloc_unit(inode);
	loff_t far = round_down(inode->i_sb->s_maxbytes - len, len);
	loff_t end = round_up(i_size_read(inode), len);
	int ret;

	if (!file->f_op->fallocate || !(file->f_mode & FMODE_WRITE))
		return false;
	ret = far > end ? vfs_fallocate(file, mode, far, len) : -EFBIG;
	if (ret == -EFBIG)
		ret = vfs_fallocate(file, mode, end, len);
	return !ret;
}

/*
 * Both are done by punching holes (fallback.c), so they come and go
 * together.
 */
static void loopx_discard_limits(struct loopx_limits *lim,
				 unsigned int sectors, unsigned int granularity)
{
	lim->discard_granularity = sectors ? granularity : 0;
	lim->discard_sectors = sectors;
	lim->write_zeroes_sectors = sectors;
}

/**
 * loopx_set_discard_limits() - offer discard and write-zeroes, or not
 * @lo: the device, its queue frozen or unbound
 * @sectors: the largest request of either, 0 for neither
 * @granularity: the backing file's allocation unit, bytes
 */
void loopx_set_discard_limits(struct loopx_device *lo, unsigned int sectors,
			      unsigned int granularity)
{
	struct loopx_limits lim;

	loopx_limits_get(lo->disk->queue, &lim);
	loopx_discard_limits(&lim, sectors, granularity);
	loopx_commit_limits(lo, &lim);
}

/**
 * loopx_set_file_limits() - limits that come from the backing file
 * @lo: the device; lo->file is set
 *
 * Discard and write-zeroes go to fallocate(), so they are offered only when
 * the backing file can punch holes and no transform is in the way (discard
 * too when LOOPX_CRYPT_DISCARD asks for it).
 * Read-ahead is at least the backing device's.
 */
void loopx_set_file_limits(struct loopx_device *lo)
{
	struct file *file = lo->file;
	struct inode *inode = file->f_mapping->host;
	struct block_device *bdev = loopx_backing_bdev(file);
	bool writable = !(lo->flags & LO_FLAGS_READ_ONLY);
	struct loopx_limits lim;

	loopx_limits_get(lo->disk->queue, &lim);
	/*
	 * Through a transform, zeroes are the encryption of zeroes, and a hole
	 * in the file would read as the decryption of zeroes: write-zeroes
	 * cannot go to the file as it is, and discard only if asked for.
	 */
	if (!writable || (lo->xfer.ops && !lo->xfer.discard)) {
		loopx_discard_limits(&lim, 0, 0);
	} else if (S_ISBLK(inode->i_mode)) {
		/*
		 * A block device punches holes by writing zeroes without
		 * falling back to writing them: both need its write-zeroes.
		 */
		loopx_discard_limits(&lim, bdev_write_zeroes_sectors(bdev),
				     bdev_logical_block_size(bdev));
	} else if (loopx_can_punch_hole(file)) {
		loopx_discard_limits(&lim, UINT_MAX >> SECTOR_SHIFT,
				     loopx_alloc_unit(inode));
	} else {
		loopx_discard_limits(&lim, 0, 0);
	}
	if (lo->xfer.ops)
		lim.write_zeroes_sectors = 0;
	lim.write_cache = writable;
	lim.rotational = bdev && !bdev_nonrot(bdev);
	loopx_commit_limits(lo, &lim);

	/*
	 * Read ahead at least as far as the block layer does by default on
	 * the disk below, twice its optimal I/O size: that disk's current
	 * setting is in its own bdi, which is not ours to read (047).
	 */
	if (bdev)
		lo->disk->bdi->ra_pages =
			max_t(unsigned long, bdev_io_opt(bdev) * 2 / PAGE_SIZE,
			      VM_READAHEAD_PAGES);
}

/**
 * loopx_reset_limits() - the limits of an unbound device
 * @lo: the device, its file already detached
 */
void loopx_reset_limits(struct loopx_device *lo)
{
	struct loopx_limits lim;

	loopx_limits_get(lo->disk->queue, &lim);
	lim.block_size = SECTOR_SIZE;
	loopx_discard_limits(&lim, 0, 0);
	lim.write_cache = false;
	lim.dma_alignment = SECTOR_SIZE - 1;
	loopx_commit_limits(lo, &lim);
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
