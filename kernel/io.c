// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data path: blk-mq requests become reads, writes, fsync and fallocate
 * on the backing file.
 *
 * File I/O may sleep, so ->queue_rq hands every request on. Buffered
 * requests go to their hardware queue's worker, which takes them in arrival
 * order, many per wake-up, so sequential I/O stays sequential for the
 * backing file's read-ahead and a burst costs one context switch, not one
 * per request. A direct I/O request runs in a work item of its own
 * (loopx_cmd_work()). A request alone on its queue is handed to a worker
 * on the submitting CPU, the others to the device's unbound workqueue
 * (loopx_run_here()), which tries it without waiting and redoes it on the
 * unbound side if it would have to. Workers run with memalloc_noio
 * so that reclaim they trigger cannot recurse into this device. Direct I/O
 * completes through the kiocb, possibly before the submitting call
 * returns; buffered I/O completes in the worker.
 */
#include <linux/blk-mq.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/llist.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "loopx.h"

/* Zero what a short read left untouched: the part past the file's end. */
void loopx_zero_fill(struct request *rq, unsigned long done)
{
	struct req_iterator iter;
	struct bio_vec bv;
	unsigned long pos = 0, skip;

	rq_for_each_segment(bv, rq, iter) {
		skip = done > pos ? min_t(unsigned long, done - pos, bv.bv_len) : 0;
		if (skip < bv.bv_len)
			memzero_page(bv.bv_page, bv.bv_offset + skip,
				     bv.bv_len - skip);
		pos += bv.bv_len;
	}
}

/*
 * The request no longer needs the backing file: let a waiting unbind go on.
 * Called before the request ends, while it still holds the queue, so the
 * device cannot be freed under the wake-up.
 */
static void loopx_put_inflight(struct loopx_device *lo,
			       struct loopx_hw_queue *hq)
{
	atomic_dec(&hq->inflight);
	/* order the count before the check, against loopx_drain()'s store */
	smp_mb__after_atomic();
	if (READ_ONCE(lo->draining))
		wake_up_all(&lo->drain_wq);
}

static void loopx_complete_rq(struct request *rq)
{
	struct loopx_cmd *cmd = blk_mq_rq_to_pdu(rq);
	long ret = cmd->ret;
	blk_status_t sts = BLK_STS_OK;

	if (ret < 0)
		sts = errno_to_blk_status(ret);
	else if (req_op(rq) == REQ_OP_READ && ret < blk_rq_bytes(rq))
		loopx_zero_fill(rq, ret);
	else if (req_op(rq) == REQ_OP_WRITE && ret < blk_rq_bytes(rq))
		sts = BLK_STS_IOERR;
	loopx_put_inflight(rq->q->queuedata, rq->mq_hctx->driver_data);
	blk_mq_end_request(rq, sts);
}

static void loopx_end_cmd(struct loopx_cmd *cmd, long ret)
{
	cmd->ret = ret;
	blk_mq_complete_request(blk_mq_rq_from_pdu(cmd));
}

/*
 * Per-CPU workers, for requests whose submitter waits for them alone. Lives
 * as long as the module: created before the major is registered, destroyed
 * after the last device is gone.
 */
static struct workqueue_struct *loopx_local_wq;

/*
 * Whether the request can be tried without waiting (IOCB_NOWAIT), as a
 * worker bound to a CPU must: a wait there, for a disk or for dirty
 * throttling, would keep the request on a CPU that may be busy long after
 * it ends. Only a read or a write of a file that honours IOCB_NOWAIT, and
 * a buffered write only where the filesystem takes it without waiting
 * (ext4 does not); never with a transform, whose file I/O is synchronous,
 * nor a flush, discard, write-zeroes or FUA write, which wait on the disk.
 */
static bool loopx_can_nowait(struct loopx_device *lo, struct loopx_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct file *file = lo->file;

	if (lo->xfer.ops || !(file->f_mode & FMODE_NOWAIT))
		return false;
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return true;
	case REQ_OP_WRITE:
		if (rq->cmd_flags & REQ_FUA)
			return false;
		return (lo->use_dio && !cmd->buffered) ||
		       loopx_file_nowait_buffered_write(file);
	default:
		return false;
	}
}

/*
 * Whether a hand-off from ->queue_rq should run on this CPU. A request
 * alone on its queue usually has a submitter that sleeps until it completes
 * (queue depth one): a worker here takes over the CPU the submitter leaves,
 * while a worker woken on another CPU costs two cross-CPU wake-ups per
 * request, there and back (the QD1 rows of Documentation/benchmark.md).
 *
 * A queue that holds more than one request has a submitter with work of its
 * own, and its requests spread over every CPU through the unbound
 * workqueue. They keep spreading for LOOPX_SPREAD_JIFFIES after the last
 * sign of depth: a local worker preempts its submitter, so the next request
 * would find the queue at depth one again and the queue would never get
 * deeper than that.
 */
static bool loopx_run_here(struct loopx_hw_queue *hq,
			   const struct blk_mq_queue_data *bd)
{
	unsigned long now = jiffies;

	if (!loopx_can_nowait(hq->w.lo, blk_mq_rq_to_pdu(bd->rq)))
		return false;
	/*
	 * Not alone after all: more of the same batch follow (!last), or the
	 * submitter reads ahead of its needs and goes on meanwhile.
	 */
	if (atomic_read(&hq->inflight) == 1 && bd->last &&
	    !(bd->rq->cmd_flags & REQ_RAHEAD))
		return time_after(now, READ_ONCE(hq->spread_until));
	/* one store per tick at most: the line is the submitters' */
	if (READ_ONCE(hq->spread_until) != now + LOOPX_SPREAD_JIFFIES)
		WRITE_ONCE(hq->spread_until, now + LOOPX_SPREAD_JIFFIES);
	return false;
}

/**
 * loopx_worker_queue() - give a request (back) to an ordered worker
 * @w: the worker
 * @cmd: the request, started and counted in
 * @here: run it on this CPU (loopx_run_here()) rather than the unbound
 *	workqueue
 *
 * Both of @w's works take from the same list, and a list that was not
 * empty has a worker coming, unless that is the local worker of another
 * CPU, which may be busy: the unbound one is woken as well, and whichever
 * runs first takes every request.
 */
void loopx_worker_queue(struct loopx_worker *w, struct loopx_cmd *cmd,
			bool here)
{
	bool first;

	cmd->w = w;
	first = llist_add(&cmd->node, &w->cmds);
	if (here) {
		if (first)
			queue_work(loopx_local_wq, &w->local_work);
	} else if (first || work_pending(&w->local_work)) {
		queue_work(w->lo->wq, &w->work);
	}
}

/*
 * loopx_local runs file I/O on the submitting CPU, and a buffered request
 * copies for as long as it is long: WQ_CPU_INTENSIVE keeps its work items
 * out of the per-CPU pool's concurrency management, so they never hold
 * back other work items queued on that CPU.
 */
int loopx_io_init(void)
{
	loopx_local_wq = alloc_workqueue("loopx_local", WQ_MEM_RECLAIM |
					 WQ_FREEZABLE | WQ_CPU_INTENSIVE, 0);
	return loopx_local_wq ? 0 : -ENOMEM;
}

void loopx_io_exit(void)
{
	destroy_workqueue(loopx_local_wq);
}

/*
 * Whether the backing file refused a direct request for a reason its page
 * cache does not share: it takes no O_DIRECT after all (EINVAL, EOPNOTSUPP),
 * or a read stopped short before the file's end. The request is then redone
 * buffered, from where it stopped. Real errors, EIO from the disk below or
 * ENOSPC, are the caller's.
 */
static bool loopx_dio_refused(struct loopx_cmd *cmd, struct request *rq,
			      long ret)
{
	struct loopx_device *lo = rq->q->queuedata;
	loff_t end;

	if (ret == -EINVAL || ret == -EOPNOTSUPP || ret == -ENOTBLK) {
		loopx_refused(lo, LOOPX_REFUSED_DIO, ret);
		return true;
	}
	if (ret < 0 || req_op(rq) != REQ_OP_READ ||
	    cmd->done + ret >= blk_rq_bytes(rq))
		return false;
	end = ((loff_t)blk_rq_pos(rq) << SECTOR_SHIFT) + lo->offset +
	      cmd->done + ret;
	/* past the end of the file a short read is right: zeroes follow */
	if (end >= i_size_read(file_inode(cmd->iocb.ki_filp)))
		return false;
	cmd->done += ret;
	loopx_refused(lo, LOOPX_REFUSED_SHORT_DIO, 0);
	return true;
}

/*
 * A direct request redone through the page cache goes to its hardware
 * queue's worker, whoever ran the first attempt: it is rare, may start in
 * interrupt context, and its charge comes with the request, not with the
 * worker.
 */
static struct loopx_worker *loopx_hq(struct request *rq)
{
	return &((struct loopx_hw_queue *)rq->mq_hctx->driver_data)->w;
}

/*
 * Redo the rest of @cmd on the unbound workqueue, where it came from: on
 * its ordered worker (its cgroup's, so that a wait there holds up no other
 * cgroup's requests), or in a work item of its own. That work item may
 * still be running on loopx_local, past its last touch of @cmd.
 */
static void loopx_redo(struct loopx_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct loopx_device *lo = rq->q->queuedata;

	cmd->nowait = false;
	if (cmd->w)
		loopx_worker_queue(cmd->w, cmd, false);
	else
		queue_work(lo->wq, &cmd->work);
}

/* kiocb completion; also called by the submitter when the I/O ended at once. */
static void loopx_rw_done(struct kiocb *iocb, long ret)
{
	struct loopx_cmd *cmd = container_of(iocb, struct loopx_cmd, iocb);
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	if (cmd->sb_write) {
		struct super_block *sb = file_inode(iocb->ki_filp)->i_sb;

		/* freeze protection taken by the submitter, released here */
		__sb_writers_acquired(sb, SB_FREEZE_WRITE);
		sb_end_write(sb);
	}
	loopx_free_iter(cmd);

	/*
	 * An attempt that could not wait proves nothing by failing or by
	 * stopping short: the rest is redone by one that can, which also
	 * gives the real error, if any.
	 */
	if (cmd->nowait && (ret < 0 || cmd->done + ret < blk_rq_bytes(rq))) {
		if (ret > 0)
			cmd->done += ret;
		loopx_redo(cmd);
		return;
	}
	/*
	 * A filesystem writes what it can and returns the count; only the
	 * next attempt says why it stopped (ENOSPC, EDQUOT, EFBIG), and that
	 * is what the writer above must see, not a bare I/O error.
	 */
	if (ret > 0 && cmd->done + ret < blk_rq_bytes(rq) &&
	    req_op(rq) == REQ_OP_WRITE) {
		cmd->done += ret;
		loopx_redo(cmd);
		return;
	}
	if (cmd->direct && loopx_dio_refused(cmd, rq, ret)) {
		cmd->buffered = true;
		loopx_worker_queue(loopx_hq(rq), cmd, false);
		return;
	}
	if (ret >= 0)
		ret += cmd->done;
	loopx_end_cmd(cmd, ret);
}

/*
 * Point @iter at the request's data. A single bio lends its own bio_vec
 * table; several bios are gathered into the command's inline array, or, for
 * a large request, into one allocated here.
 */
int loopx_init_iter(struct loopx_cmd *cmd, struct request *rq,
		    struct iov_iter *iter, unsigned int dir)
{
	struct req_iterator rq_iter;
	struct bio_vec bv, *bvec;
	unsigned int nr = 0;

	cmd->bvec_alloc = NULL;
	rq_for_each_bvec(bv, rq, rq_iter)
		nr++;

	if (rq->bio == rq->biotail) {
		struct bio *bio = rq->bio;

		bvec = __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter);
		iov_iter_bvec(iter, dir, bvec, nr, blk_rq_bytes(rq));
		iter->iov_offset = bio->bi_iter.bi_bvec_done;
		return 0;
	}

	if (nr <= LOOPX_INLINE_BVECS) {
		bvec = cmd->inline_bvec;
	} else {
		bvec = kmalloc_array(nr, sizeof(*bvec), GFP_NOIO);
		if (!bvec)
			return -ENOMEM;
		cmd->bvec_alloc = bvec;
	}
	nr = 0;
	rq_for_each_bvec(bv, rq, rq_iter)
		bvec[nr++] = bv;
	iov_iter_bvec(iter, dir, bvec, nr, blk_rq_bytes(rq));
	return 0;
}

/* Free what loopx_init_iter() allocated, once the file I/O has ended. */
void loopx_free_iter(struct loopx_cmd *cmd)
{
	kfree(cmd->bvec_alloc);
	cmd->bvec_alloc = NULL;
}

/* Start a read or write of the backing file; it completes @cmd. */
static void loopx_rw(struct loopx_device *lo, struct loopx_cmd *cmd,
		     loff_t pos)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	bool write = req_op(rq) == REQ_OP_WRITE;
	struct kiocb *iocb = &cmd->iocb;
	struct file *file = lo->file;
	struct iov_iter iter;
	long ret;

	cmd->sb_write = false;
	ret = loopx_init_iter(cmd, rq, &iter, write ? ITER_SOURCE : ITER_DEST);
	if (ret) {
		loopx_end_cmd(cmd, ret);
		return;
	}
	/* what an earlier, short attempt already moved */
	iov_iter_advance(&iter, cmd->done);
	pos += cmd->done;

	/* not init_sync_kiocb(): O_APPEND on the backing file must not apply */
	iocb->ki_filp = file;
	iocb->ki_pos = pos;
	iocb->ki_ioprio = req_get_ioprio(rq);
	iocb->ki_flags = 0;
	iocb->ki_complete = NULL;
	iocb->private = NULL;
	if (cmd->nowait)
		iocb->ki_flags |= IOCB_NOWAIT;
	cmd->direct = lo->use_dio && !cmd->buffered;
	if (cmd->direct) {
		iocb->ki_flags |= IOCB_DIRECT;
		iocb->ki_complete = loopx_rw_done;
	}

	if (write) {
		iocb->ki_flags |= IOCB_WRITE;
		if (rq->cmd_flags & REQ_FUA)
			iocb->ki_flags |= IOCB_DSYNC;
		if (!READ_ONCE(lo->written))
			WRITE_ONCE(lo->written, true);
		if (S_ISREG(file_inode(file)->i_mode)) {
			struct super_block *sb = file_inode(file)->i_sb;

			if (!cmd->nowait) {
				sb_start_write(sb);
			} else if (!sb_start_write_trylock(sb)) {
				/* frozen, or being frozen */
				loopx_rw_done(iocb, -EAGAIN);
				return;
			}
			__sb_writers_release(sb, SB_FREEZE_WRITE);
			cmd->sb_write = true;
		}
		ret = file->f_op->write_iter(iocb, &iter);
	} else {
		ret = file->f_op->read_iter(iocb, &iter);
	}
	/* from here on, cmd belongs to whoever completes it */
	if (ret != -EIOCBQUEUED)
		loopx_rw_done(iocb, ret);
}

static void loopx_handle_cmd(struct loopx_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct loopx_device *lo = rq->q->queuedata;
	loff_t pos = ((loff_t)blk_rq_pos(rq) << SECTOR_SHIFT) + lo->offset;
	struct loopx_charge charge;
	long ret;

	loopx_charge_enter(rq, &charge);
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		if (lo->xfer.ops) {
			ret = loopx_xfer_rw(lo, cmd, pos);
			break;
		}
		loopx_rw(lo, cmd, pos);
		loopx_charge_leave(&charge);
		return;
	case REQ_OP_FLUSH:
		ret = vfs_fsync(lo->file, 0);
		break;
	case REQ_OP_DISCARD:
		ret = loopx_discard(lo, pos, blk_rq_bytes(rq));
		break;
	case REQ_OP_WRITE_ZEROES:
		ret = loopx_write_zeroes(lo, pos, blk_rq_bytes(rq),
					 !(rq->cmd_flags & REQ_NOUNMAP));
		break;
	default:
		ret = -EIO;
		break;
	}
	loopx_charge_leave(&charge);
	loopx_end_cmd(cmd, ret);
}

/*
 * Work on the requests taken from a worker's list, in arrival order, so
 * that sequential I/O stays sequential. On loopx_local (@local) each is
 * tried without waiting; one that cannot be, handed to the local work
 * while it was queued for other reasons, goes to the unbound one.
 */
static void loopx_worker_run(struct loopx_worker *w, struct llist_node *list,
			     bool local)
{
	struct loopx_cmd *cmd, *next;

	llist_for_each_entry_safe(cmd, next, llist_reverse_order(list), node) {
		if (local && !loopx_can_nowait(w->lo, cmd)) {
			loopx_worker_queue(w, cmd, false);
			continue;
		}
		cmd->nowait = local;
		loopx_handle_cmd(cmd);
	}
}

static void loopx_work(struct work_struct *work)
{
	struct loopx_worker *w = container_of(work, struct loopx_worker, work);
	unsigned int noio = memalloc_noio_save();
	struct llist_node *list;

	while ((list = llist_del_all(&w->cmds)))
		loopx_worker_run(w, list, false);
	memalloc_noio_restore(noio);
}

/*
 * One batch only: what it hands on to the unbound work goes back on the
 * list, and requests that come meanwhile queue this work again.
 */
static void loopx_local_work(struct work_struct *work)
{
	struct loopx_worker *w = container_of(work, struct loopx_worker,
					      local_work);
	unsigned int noio = memalloc_noio_save();
	struct llist_node *list = llist_del_all(&w->cmds);

	if (list)
		loopx_worker_run(w, list, true);
	memalloc_noio_restore(noio);
}

void loopx_worker_init(struct loopx_worker *w, struct loopx_device *lo)
{
	w->lo = lo;
	init_llist_head(&w->cmds);
	INIT_WORK(&w->work, loopx_work);
	INIT_WORK(&w->local_work, loopx_local_work);
}

/* Wait until @w's works, which may still be looking at an empty list, end. */
void loopx_worker_flush(struct loopx_worker *w)
{
	flush_work(&w->work);
	flush_work(&w->local_work);
}

/*
 * A direct I/O request runs in a work item of its own. Where the backing
 * device completes I/O while it is being submitted (a RAM disk, a cached
 * device-mapper target), submitting is the copying itself, and a single
 * worker per queue would turn a queue depth of 32 into a queue depth of one.
 * Requests carry no order among themselves, so nothing is lost by running
 * them side by side; buffered I/O keeps the ordered worker, for the page
 * cache's read-ahead.
 */
static void loopx_cmd_work(struct work_struct *work)
{
	struct loopx_cmd *cmd = container_of(work, struct loopx_cmd, work);
	unsigned int noio = memalloc_noio_save();

	loopx_handle_cmd(cmd);
	memalloc_noio_restore(noio);
}

static bool loopx_runs_alone(struct loopx_device *lo, struct request *rq)
{
	return lo->use_dio &&
	       (req_op(rq) == REQ_OP_READ || req_op(rq) == REQ_OP_WRITE);
}

/*
 * Count the request in, unless the device is being unbound: the barrier
 * pairs with the one in loopx_drain(), so either the drain sees this request
 * or this request sees the drain.
 */
static bool loopx_get_inflight(struct loopx_device *lo,
			       struct loopx_hw_queue *hq)
{
	atomic_inc(&hq->inflight);
	/* pairs with smp_mb() in loopx_drain() */
	smp_mb__after_atomic();
	if (likely(!READ_ONCE(lo->draining)))
		return true;
	loopx_put_inflight(lo, hq);
	return false;
}

static blk_status_t loopx_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct loopx_hw_queue *hq = hctx->driver_data;
	struct request *rq = bd->rq;
	struct loopx_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct loopx_device *lo = hq->w.lo;
	bool here;

	blk_mq_start_request(rq);
	if (!loopx_get_inflight(lo, hq))
		goto out_no_medium;
	/* counted in: the file stays until this request completes */
	if (!lo->file) {
		loopx_put_inflight(lo, hq);
		goto out_no_medium;
	}
	/*
	 * The block layer lets writes through to a read-only disk.  READ_ONCE:
	 * a deferred LOOP_CLR_FD sets AUTOCLEAR in @flags without freezing.
	 */
	if (op_is_write(req_op(rq)) &&
	    (READ_ONCE(lo->flags) & LO_FLAGS_READ_ONLY)) {
		loopx_put_inflight(lo, hq);
		return BLK_STS_IOERR;
	}
	cmd->done = 0;
	cmd->buffered = false;
	here = loopx_run_here(hq, bd);
	if (loopx_runs_alone(lo, rq)) {
		cmd->w = NULL;
		cmd->nowait = here;
		queue_work(here ? loopx_local_wq : lo->wq, &cmd->work);
	} else if (!loopx_cg_queue(lo, cmd, here)) {
		loopx_worker_queue(&hq->w, cmd, here);
	}
	return BLK_STS_OK;

out_no_medium:
	/*
	 * No file, or it is going: only a request that raced with the detach
	 * (through a partition opened as it went) gets here. It fails, but an
	 * empty drive is not a broken one: no error line in the kernel log.
	 */
	rq->rq_flags |= RQF_QUIET;
	return BLK_STS_IOERR;
}

static unsigned int loopx_inflight(struct loopx_device *lo)
{
	struct blk_mq_hw_ctx *hctx;
	unsigned int sum = 0;
	unsigned long i;

	queue_for_each_hw_ctx(lo->disk->queue, hctx, i)
		sum += atomic_read(&((struct loopx_hw_queue *)hctx->driver_data)->inflight);
	return sum;
}

/**
 * loopx_drain() - wait until no request uses the backing file
 * @lo: the device being unbound, lo->lock held
 *
 * Requests that arrive meanwhile fail with an I/O error. This replaces a
 * queue freeze on the unbind path: a freeze waits for an RCU grace period,
 * which made up 95% of the time of an attach and detach cycle, while
 * unbinding happens when nobody else has the device open, so there is
 * normally nothing to wait for. Reconfiguring a bound device still freezes.
 * The caller clears lo->draining once the file is gone.
 */
void loopx_drain(struct loopx_device *lo)
{
	WRITE_ONCE(lo->draining, true);
	/* pairs with loopx_get_inflight(): flag before counts */
	smp_mb();
	wait_event(lo->drain_wq, !loopx_inflight(lo));
}

static int loopx_init_request(struct blk_mq_tag_set *set, struct request *rq,
			      unsigned int hctx_idx, unsigned int numa_node)
{
	struct loopx_cmd *cmd = blk_mq_rq_to_pdu(rq);

	INIT_WORK(&cmd->work, loopx_cmd_work);
	return 0;
}

static int loopx_init_hctx(struct blk_mq_hw_ctx *hctx, void *driver_data,
			   unsigned int hctx_idx)
{
	struct loopx_hw_queue *hq;

	hq = kzalloc_node(sizeof(*hq), GFP_KERNEL, hctx->numa_node);
	if (!hq)
		return -ENOMEM;
	loopx_worker_init(&hq->w, driver_data);
	/* not spreading yet, whatever jiffies reads */
	hq->spread_until = jiffies - 1;
	hctx->driver_data = hq;
	return 0;
}

static void loopx_exit_hctx(struct blk_mq_hw_ctx *hctx, unsigned int hctx_idx)
{
	struct loopx_hw_queue *hq = hctx->driver_data;

	loopx_worker_flush(&hq->w);
	kfree(hq);
}

const struct blk_mq_ops loopx_mq_ops = {
	.queue_rq	= loopx_queue_rq,
	.complete	= loopx_complete_rq,
	.init_request	= loopx_init_request,
	.init_hctx	= loopx_init_hctx,
	.exit_hctx	= loopx_exit_hctx,
};
