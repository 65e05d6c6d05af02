// SPDX-License-Identifier: GPL-2.0-only
/*
 * When the backing file refuses what it was thought able to do.
 *
 * Whether a file does direct I/O, punches holes or zeroes ranges is probed
 * at bind time (limits.c), but a probe is one call on one day: an overlayfs
 * file copied up to tmpfs stops taking O_DIRECT, an NFS server loses
 * fallocate, ZERO_RANGE is never probed at all. None of that may reach the
 * caller as an I/O error, since the data can still be read and written. The
 * request that met the refusal is completed another way (buffered, by
 * writing zeroes, or not at all for a discard, which is a hint), and the
 * device stops offering what failed: a work item turns the feature off with
 * the queue frozen, and says so once in the kernel log. Real errors (EIO
 * from the disk below, ENOSPC) are not refusals and reach the caller.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/uio.h>

#include "loopx.h"

/* bio_vecs of the zero page per write, when zeroes must be written */
#define LOOPX_ZERO_BVECS	32

/**
 * loopx_refused() - record that the backing file refused something
 * @lo: the device
 * @what: LOOPX_REFUSED_*
 * @err: the errno the file answered, or 0
 *
 * Any context, completion interrupts included. The first refusal of a
 * kind queues the work that turns the feature off; later ones find the bit
 * set and only update the errno.
 */
void loopx_refused(struct loopx_device *lo, unsigned int what, int err)
{
	WRITE_ONCE(lo->refused_err[what], err);
	if (!test_and_set_bit(what, &lo->refused))
		queue_work(system_wq, &lo->refusal_work);
}

/**
 * loopx_forget_refusals() - a new backing file, a clean slate
 * @lo: the device, lo->lock held, with no request in flight
 *
 * A refusal work still queued then finds nothing to do.
 */
void loopx_forget_refusals(struct loopx_device *lo)
{
	xchg(&lo->refused, 0);
	lo->no_zero_range = false;
}

static void loopx_refuse_dio(struct loopx_device *lo, unsigned long refused)
{
	int err = READ_ONCE(lo->refused_err[LOOPX_REFUSED_DIO]);

	if (!lo->use_dio)
		return;
	if (refused & BIT(LOOPX_REFUSED_DIO))
		loopx_apply_dio(lo, false, "direct I/O failed at run time", err);
	else
		loopx_apply_dio(lo, false,
				"direct read ended before the end of the file", 0);
	if (err)
		pr_notice("%s: backing file refused direct I/O (%pe), switched to buffered I/O\n",
			  lo->disk->disk_name, ERR_PTR(err));
	else
		pr_notice("%s: direct read of the backing file ended early, switched to buffered I/O\n",
			  lo->disk->disk_name);
}

static void loopx_refuse_discard(struct loopx_device *lo)
{
	int err = READ_ONCE(lo->refused_err[LOOPX_REFUSED_DISCARD]);

	if (!bdev_max_discard_sectors(lo->disk->part0) &&
	    !bdev_write_zeroes_sectors(lo->disk->part0))
		return;
	loopx_set_discard_limits(lo, 0, 0);
	pr_notice("%s: backing file cannot punch holes (%pe), discard and write-zeroes turned off\n",
		  lo->disk->disk_name, ERR_PTR(err));
}

/**
 * loopx_refusal_work() - turn off what the backing file refused
 * @work: loopx_device.refusal_work
 *
 * Runs on system_wq, not on the device's workqueue, which an unbind
 * destroys with lo->lock held while this work may wait for that lock. The
 * queue freeze waits for requests in flight, which never wait for this
 * work: each one that meets a refusal is completed without it.
 */
void loopx_refusal_work(struct work_struct *work)
{
	struct loopx_device *lo = container_of(work, struct loopx_device,
					       refusal_work);
	struct request_queue *q = lo->disk->queue;
	unsigned long refused;

	mutex_lock(&lo->lock);
	refused = xchg(&lo->refused, 0);
	if (refused && lo->state == LOOPX_BOUND) {
		blk_mq_freeze_queue(q);
		if (refused & (BIT(LOOPX_REFUSED_DIO) |
			       BIT(LOOPX_REFUSED_SHORT_DIO)))
			loopx_refuse_dio(lo, refused);
		if (refused & BIT(LOOPX_REFUSED_DISCARD))
			loopx_refuse_discard(lo);
		blk_mq_unfreeze_queue(q);
	}
	mutex_unlock(&lo->lock);
}

/* What loop also takes for "this file cannot do that", not a failure. */
static bool loopx_fallocate_refused(long ret)
{
	return ret == -EOPNOTSUPP || ret == -EINVAL;
}

static long loopx_fallocate(struct loopx_device *lo, int mode, loff_t pos,
			    unsigned int len)
{
	WRITE_ONCE(lo->written, true);
	return vfs_fallocate(lo->file, mode | FALLOC_FL_KEEP_SIZE, pos, len);
}

/*
 * Write @len bytes of zeroes at @pos through the page cache, in the
 * worker. Not init_sync_kiocb(): O_APPEND on the backing file must not
 * move the writes to its end.
 */
static long loopx_write_zero_pages(struct loopx_device *lo, loff_t pos,
				   unsigned int len)
{
	struct bio_vec bvec[LOOPX_ZERO_BVECS];
	struct file *file = lo->file;
	struct iov_iter iter;
	struct kiocb kiocb;
	unsigned int chunk, left, n;
	ssize_t ret;

	while (len) {
		chunk = min_t(unsigned int, len, LOOPX_ZERO_BVECS * PAGE_SIZE);
		for (n = 0, left = chunk; left; n++) {
			bvec[n].bv_page = ZERO_PAGE(0);
			bvec[n].bv_offset = 0;
			bvec[n].bv_len = min_t(unsigned int, left, PAGE_SIZE);
			left -= bvec[n].bv_len;
		}
		iov_iter_bvec(&iter, ITER_SOURCE, bvec, n, chunk);
		memset(&kiocb, 0, sizeof(kiocb));
		kiocb.ki_filp = file;
		kiocb.ki_pos = pos;
		kiocb.ki_flags = IOCB_WRITE;
		file_start_write(file);
		ret = file->f_op->write_iter(&kiocb, &iter);
		file_end_write(file);
		if (ret <= 0)
			return ret ?: -EIO;
		pos += ret;
		len -= ret;
	}
	WRITE_ONCE(lo->written, true);
	return 0;
}

/**
 * loopx_discard() - REQ_OP_DISCARD: punch a hole
 * @lo: the device
 * @pos: where in the backing file
 * @len: how many bytes
 *
 * Return: 0, or the file's error; a file that cannot punch is not one.
 */
long loopx_discard(struct loopx_device *lo, loff_t pos, unsigned int len)
{
	long ret = loopx_fallocate(lo, FALLOC_FL_PUNCH_HOLE, pos, len);

	if (!loopx_fallocate_refused(ret))
		return ret;
	/* a discard is a hint: not punching loses nothing */
	loopx_refused(lo, LOOPX_REFUSED_DISCARD, ret);
	return 0;
}

/**
 * loopx_write_zeroes() - REQ_OP_WRITE_ZEROES
 * @lo: the device
 * @pos: where in the backing file
 * @len: how many bytes
 * @unmap: the blocks may be deallocated (no REQ_NOUNMAP)
 *
 * Offered only where the file can punch holes, which is all that zeroing
 * needs: a hole reads as zeroes. REQ_NOUNMAP asks for the blocks to stay
 * allocated: ZERO_RANGE does that in one step where the file has it
 * (tmpfs has not; a refusal is remembered, not reported), otherwise the
 * hole is allocated again, as a hint. A file that refuses to punch gets
 * zeroes written, so the caller always reads zeroes back.
 *
 * Return: 0, or the file's error.
 */
long loopx_write_zeroes(struct loopx_device *lo, loff_t pos,
			unsigned int len, bool unmap)
{
	long ret;

	if (!unmap && !READ_ONCE(lo->no_zero_range)) {
		ret = loopx_fallocate(lo, FALLOC_FL_ZERO_RANGE, pos, len);
		if (!loopx_fallocate_refused(ret))
			return ret;
		WRITE_ONCE(lo->no_zero_range, true);
	}
	ret = loopx_fallocate(lo, FALLOC_FL_PUNCH_HOLE, pos, len);
	if (!ret && !unmap)
		loopx_fallocate(lo, 0, pos, len);
	if (!loopx_fallocate_refused(ret))
		return ret;
	loopx_refused(lo, LOOPX_REFUSED_DISCARD, ret);
	return loopx_write_zero_pages(lo, pos, len);
}
