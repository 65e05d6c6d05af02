// SPDX-License-Identifier: GPL-2.0-only
/*
 * An ordered worker for each cgroup that submits buffered requests.
 *
 * A buffered request runs on an ordered worker (io.c), charged to its
 * submitter's cgroups (charge.c), and its file I/O may sleep on that
 * cgroup's limits: in dirty throttling under memory.max, or in an fsync
 * that waits for writeback held to io.max. On a worker shared by all, every
 * request queued behind it would wait as long, whoever submitted it. So, as
 * loop does since 5.12, each blkcg but the root gets a worker of its own on
 * the device, made at its first request. It is freed once idle for
 * LOOPX_CG_IDLE, which also lets go of a removed cgroup that the worker
 * pins, and at unbind. The root's requests, and any whose worker cannot be
 * had without sleeping, keep the hardware queues' workers.
 */
#include <linux/blk-cgroup.h>
#include <linux/blk-mq.h>
#include <linux/cgroup.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "loopx.h"

#define LOOPX_CG_IDLE	(60 * HZ)

/**
 * struct loopx_cg_worker - the worker of one cgroup on one device
 * @w: the worker
 * @blkcg: the cgroup, pinned while the worker exists; its id is the key
 *	in loopx_device.cg_workers
 * @last_queued: jiffies of the latest request handed to @w
 * @reap_node: on the reaper's list once out of loopx_device.cg_workers
 *
 * Lifetime: made by loopx_cg_queue() under the xarray's lock; freed by the
 * reaper or by loopx_cg_workers_stop() at unbind, each of which first takes
 * it out of the xarray under that lock (so no request can reach it any
 * more) and then flushes both its work items (so every request handed to
 * it has been worked on) before it drops the blkcg and frees it.
 */
struct loopx_cg_worker {
	struct loopx_worker w;
	struct cgroup_subsys_state *blkcg;
	unsigned long last_queued;
	struct list_head reap_node;
};

static void loopx_cg_worker_free(struct loopx_cg_worker *cw)
{
	loopx_worker_flush(&cw->w);
	css_put(cw->blkcg);
	kfree(cw);
}

/*
 * Under the xarray's lock, in ->queue_rq: nothing here may sleep. If memory
 * is short, the request goes to its hardware queue's worker instead.
 */
static struct loopx_cg_worker *
loopx_cg_worker_new(struct loopx_device *lo, struct cgroup_subsys_state *blkcg)
{
	struct loopx_cg_worker *cw;

	cw = kzalloc(sizeof(*cw), GFP_NOWAIT | __GFP_NOWARN);
	if (!cw)
		return NULL;
	loopx_worker_init(&cw->w, lo);
	if (__xa_insert(&lo->cg_workers, blkcg->id, cw,
			GFP_NOWAIT | __GFP_NOWARN)) {
		kfree(cw);
		return NULL;
	}
	css_get(blkcg);
	cw->blkcg = blkcg;
	queue_delayed_work(system_wq, &lo->cg_reap, LOOPX_CG_IDLE);
	return cw;
}

/**
 * loopx_cg_queue() - hand a buffered request to its cgroup's worker
 * @lo: the bound device
 * @cmd: the request, started and counted in
 * @here: as for loopx_worker_queue()
 *
 * Return: true if the worker took it; false for a request of the root
 * cgroup, one without a bio (a flush of the block layer's own), or one whose
 * worker could not be made: the caller hands it to a hardware queue's.
 */
bool loopx_cg_queue(struct loopx_device *lo, struct loopx_cmd *cmd,
		    bool here)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct cgroup_subsys_state *blkcg;
	struct loopx_cg_worker *cw;

	if (!rq->bio)
		return false;
	blkcg = bio_blkcg_css(rq->bio);
	if (!blkcg || blkcg == blkcg_root_css)
		return false;
	/*
	 * The id is unique among live cgroups, and the bio's reference keeps
	 * this one alive until the worker holds its own.
	 */
	xa_lock(&lo->cg_workers);
	cw = xa_load(&lo->cg_workers, blkcg->id);
	if (!cw)
		cw = loopx_cg_worker_new(lo, blkcg);
	if (cw) {
		cw->last_queued = jiffies;
		loopx_worker_queue(&cw->w, cmd, here);
	}
	xa_unlock(&lo->cg_workers);
	return cw;
}

static bool loopx_cg_worker_idle(struct loopx_cg_worker *cw)
{
	return time_after(jiffies, cw->last_queued + LOOPX_CG_IDLE) &&
	       llist_empty(&cw->w.cmds) && !work_busy(&cw->w.work) &&
	       !work_busy(&cw->w.local_work);
}

/*
 * Frees the workers idle for LOOPX_CG_IDLE, and comes back when the next
 * of the others would be: each goes about that long after its last request.
 */
static void loopx_cg_reap(struct work_struct *work)
{
	struct loopx_device *lo = container_of(to_delayed_work(work),
					       struct loopx_device, cg_reap);
	unsigned long next = jiffies + LOOPX_CG_IDLE;
	struct loopx_cg_worker *cw, *tmp;
	bool more = false;
	unsigned long id;
	LIST_HEAD(idle);

	/*
	 * Out of the index under its lock, no request can reach the worker;
	 * one already handed to it is waited for by loopx_cg_worker_free().
	 */
	xa_lock(&lo->cg_workers);
	xa_for_each(&lo->cg_workers, id, cw) {
		if (!loopx_cg_worker_idle(cw)) {
			if (time_before(cw->last_queued + LOOPX_CG_IDLE, next))
				next = cw->last_queued + LOOPX_CG_IDLE;
			more = true;
			continue;
		}
		__xa_erase(&lo->cg_workers, id);
		list_add(&cw->reap_node, &idle);
	}
	xa_unlock(&lo->cg_workers);
	list_for_each_entry_safe(cw, tmp, &idle, reap_node)
		loopx_cg_worker_free(cw);
	/*
	 * mod_: a worker made meanwhile may have queued this for later. A
	 * busy worker's time may be up already: look again in a second.
	 */
	if (more)
		mod_delayed_work(system_wq, &lo->cg_reap,
				 max_t(long, next - jiffies, HZ));
}

/**
 * loopx_cg_workers_init() - set up a new device's (empty) index of workers
 * @lo: the device, not yet published
 */
void loopx_cg_workers_init(struct loopx_device *lo)
{
	xa_init(&lo->cg_workers);
	INIT_DELAYED_WORK(&lo->cg_reap, loopx_cg_reap);
}

/**
 * loopx_cg_workers_stop() - free every cgroup worker of a device
 * @lo: the device being unbound, with no request using the backing file
 *	and none able to start, so none can make a worker
 *
 * Called before the device's workqueue is destroyed, whose work items the
 * workers are.
 */
void loopx_cg_workers_stop(struct loopx_device *lo)
{
	struct loopx_cg_worker *cw;
	unsigned long id;

	cancel_delayed_work_sync(&lo->cg_reap);
	xa_for_each(&lo->cg_workers, id, cw) {
		xa_erase(&lo->cg_workers, id);
		loopx_cg_worker_free(cw);
	}
}

/**
 * loopx_cg_workers_count() - how many cgroup workers a device has now
 * @lo: the device
 *
 * Return: the count, for sysfs; it may change as soon as it is read.
 */
unsigned int loopx_cg_workers_count(struct loopx_device *lo)
{
	struct loopx_cg_worker *cw;
	unsigned int n = 0;
	unsigned long id;

	xa_for_each(&lo->cg_workers, id, cw)
		n++;
	return n;
}
