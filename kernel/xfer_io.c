// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reads and writes of a device with a transfer function.
 *
 * A write is transformed into bounce pages and written from there: the
 * request's own pages belong to the page cache or a user buffer above and
 * must not change. The bounce pages come from the device's pool, so a write
 * makes progress when memory is short (swap on an encrypted device). A read
 * lands in the request's pages and is transformed in place once the file
 * has filled them. File I/O here is synchronous, in the worker that handles
 * the request, so the transform runs in process context, never in an I/O
 * completion; requests still run side by side, one work item each with
 * direct I/O and one worker per queue with buffered I/O.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/mempool.h>
#include <linux/uio.h>

#include "loopx.h"

/* Bounce pages written to the file at a time. */
#define LOOPX_BOUNCE_PAGES	16

/**
 * struct loopx_bounce - transformed data on its way to the file
 * @vec: the bounce pages, each filled from its start
 * @nr: pages in @vec
 * @bytes: bytes in them
 * @pos: where they go in the backing file
 */
struct loopx_bounce {
	struct bio_vec vec[LOOPX_BOUNCE_PAGES];
	unsigned int nr;
	size_t bytes;
	loff_t pos;
};

static ssize_t loopx_xfer_write_iter(struct kiocb *kiocb, struct iov_iter *iter)
{
	struct file *file = kiocb->ki_filp;
	struct super_block *sb = file_inode(file)->i_sb;
	bool regular = S_ISREG(file_inode(file)->i_mode);
	ssize_t ret;

	if (regular)
		sb_start_write(sb);
	ret = file->f_op->write_iter(kiocb, iter);
	if (regular)
		sb_end_write(sb);
	return ret;
}

/*
 * Move all of @whole from or to the file at @pos, synchronously. Direct I/O
 * that the file refuses after all is redone buffered, as in io.c.
 * Return: bytes moved (a read stops at the end of the file), or an error.
 */
static long loopx_xfer_file_io(struct loopx_device *lo, struct request *rq,
			       const struct iov_iter *whole, loff_t pos)
{
	bool write = req_op(rq) == REQ_OP_WRITE;
	size_t done = 0, total = iov_iter_count(whole);
	bool direct = lo->use_dio;
	struct iov_iter iter;
	struct kiocb kiocb;
	long ret = 0;

	while (done < total) {
		iter = *whole;
		iov_iter_advance(&iter, done);
		memset(&kiocb, 0, sizeof(kiocb));
		kiocb.ki_filp = lo->file;
		kiocb.ki_pos = pos + done;
		kiocb.ki_ioprio = req_get_ioprio(rq);
		if (direct)
			kiocb.ki_flags |= IOCB_DIRECT;
		if (write) {
			kiocb.ki_flags |= IOCB_WRITE;
			if (rq->cmd_flags & REQ_FUA)
				kiocb.ki_flags |= IOCB_DSYNC;
			ret = loopx_xfer_write_iter(&kiocb, &iter);
		} else {
			ret = lo->file->f_op->read_iter(&kiocb, &iter);
		}
		if (direct && (ret == -EINVAL || ret == -EOPNOTSUPP ||
			       ret == -ENOTBLK ||
			       (!ret && !write && pos + done <
				i_size_read(file_inode(lo->file))))) {
			loopx_refused(lo, LOOPX_REFUSED_DIO, ret);
			direct = false;
			continue;
		}
		if (ret <= 0)
			break;
		done += ret;
	}
	if (ret < 0 && (write || !done))
		return ret;
	/* a write that made no progress and said nothing */
	if (write && done < total)
		return -EIO;
	return done;
}

static void loopx_bounce_release(struct loopx_device *lo,
				 struct loopx_bounce *b)
{
	while (b->nr)
		mempool_free(b->vec[--b->nr].bv_page, lo->xfer.pool);
	b->pos += b->bytes;
	b->bytes = 0;
}

static long loopx_bounce_flush(struct loopx_device *lo, struct request *rq,
			       struct loopx_bounce *b)
{
	struct iov_iter iter;
	long ret;

	iov_iter_bvec(&iter, ITER_SOURCE, b->vec, b->nr, b->bytes);
	ret = loopx_xfer_file_io(lo, rq, &iter, b->pos);
	loopx_bounce_release(lo, b);
	return ret < 0 ? ret : 0;
}

/*
 * The bounce page with room at its end, after writing out a full batch if
 * need be; NULL with *err set if that write failed. Only a writer that holds
 * no page from the pool waits on it, so writers cannot starve each other.
 */
static struct bio_vec *loopx_bounce_room(struct loopx_device *lo,
					 struct request *rq,
					 struct loopx_bounce *b, long *err)
{
	struct page *page = NULL;
	struct bio_vec *slot;

	if (b->nr && b->vec[b->nr - 1].bv_len < PAGE_SIZE)
		return &b->vec[b->nr - 1];
	if (b->nr && b->nr < LOOPX_BOUNCE_PAGES)
		page = mempool_alloc(lo->xfer.pool, GFP_NOWAIT | __GFP_NOWARN);
	if (!page && b->nr) {
		*err = loopx_bounce_flush(lo, rq, b);
		if (*err)
			return NULL;
	}
	if (!page)
		page = mempool_alloc(lo->xfer.pool, GFP_NOIO);
	slot = &b->vec[b->nr++];
	slot->bv_page = page;
	slot->bv_offset = 0;
	slot->bv_len = 0;
	return slot;
}

/*
 * The queue's DMA alignment keeps every segment in whole data units (see
 * loopx_apply_dio()); a request
 * that broke it anyway fails rather than being transformed out of step.
 */
static bool loopx_unit_aligned(struct loopx_device *lo,
			       const struct bio_vec *bv)
{
	unsigned int unit = lo->xfer.unit_size;

	if (!((bv->bv_offset | bv->bv_len) & (unit - 1)))
		return true;
	pr_err_ratelimited("%s: segment not in whole %u-byte units\n",
			   lo->disk->disk_name, unit);
	return false;
}

static long loopx_xfer_write(struct loopx_device *lo, struct request *rq,
			     loff_t pos)
{
	const struct loopx_xfer_state *x = &lo->xfer;
	struct loopx_bounce b = { .pos = pos };
	u64 unit = blk_rq_pos(rq);
	struct req_iterator it;
	struct bio_vec bv, *slot;
	unsigned int off, len;
	long ret = 0;

	if (!READ_ONCE(lo->written))
		WRITE_ONCE(lo->written, true);
	rq_for_each_segment(bv, rq, it) {
		if (!loopx_unit_aligned(lo, &bv)) {
			ret = -EIO;
			goto out;
		}
		for (off = 0; off < bv.bv_len; off += len) {
			slot = loopx_bounce_room(lo, rq, &b, &ret);
			if (!slot)
				goto out;
			len = min_t(unsigned int, bv.bv_len - off,
				    PAGE_SIZE - slot->bv_len);
			ret = x->ops->crypt(x->state, true, slot->bv_page,
					    slot->bv_len, bv.bv_page,
					    bv.bv_offset + off, len, unit);
			if (ret)
				goto out;
			slot->bv_len += len;
			b.bytes += len;
			unit += len / LOOPX_XFER_UNIT;
		}
	}
	ret = loopx_bounce_flush(lo, rq, &b);
out:
	loopx_bounce_release(lo, &b);
	return ret ?: blk_rq_bytes(rq);
}

static long loopx_xfer_read(struct loopx_device *lo, struct loopx_cmd *cmd,
			    struct request *rq, loff_t pos)
{
	const struct loopx_xfer_state *x = &lo->xfer;
	u64 unit = blk_rq_pos(rq);
	struct req_iterator it;
	struct iov_iter iter;
	struct bio_vec bv;
	size_t at = 0;
	long got, ret;

	ret = loopx_init_iter(cmd, rq, &iter, ITER_DEST);
	if (ret)
		return ret;
	got = loopx_xfer_file_io(lo, rq, &iter, pos);
	loopx_free_iter(cmd);
	if (got < 0)
		return got;
	/*
	 * Past the end of the file the device reads zeroes, not the
	 * decryption of zeroes; a unit the file ends in is decrypted whole.
	 */
	loopx_zero_fill(rq, got);
	got = round_up(got, x->unit_size);
	rq_for_each_segment(bv, rq, it) {
		if (at >= got)
			break;
		if (!loopx_unit_aligned(lo, &bv))
			return -EIO;
		bv.bv_len = min_t(size_t, bv.bv_len, got - at);
		ret = x->ops->crypt(x->state, false, bv.bv_page, bv.bv_offset,
				    bv.bv_page, bv.bv_offset, bv.bv_len, unit);
		if (ret)
			return ret;
		at += bv.bv_len;
		unit += bv.bv_len / LOOPX_XFER_UNIT;
	}
	return blk_rq_bytes(rq);
}

/**
 * loopx_xfer_rw() - a read or write of a device with a transform
 * @lo: the device; lo->xfer.ops is set
 * @cmd: the request's command
 * @pos: where the request starts in the backing file
 *
 * Return: the request's length, or a negative errno.
 */
long loopx_xfer_rw(struct loopx_device *lo, struct loopx_cmd *cmd, loff_t pos)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	if (req_op(rq) == REQ_OP_WRITE)
		return loopx_xfer_write(lo, rq, pos);
	return loopx_xfer_read(lo, cmd, rq, pos);
}
