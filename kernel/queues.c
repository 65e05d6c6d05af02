// SPDX-License-Identifier: GPL-2.0-only
/*
 * What only a bound device needs: the hardware queues beyond the first, and
 * the workqueue its requests are handed to.
 *
 * Most devices spend most of their lives unbound: udev and systemd create
 * them ahead of need, and CI hosts, snap-heavy desktops and container nodes
 * keep hundreds. So a device is created with one hardware queue and no
 * workqueue, which costs what stock loop's idle device costs and starts no
 * kernel thread. A binding adds the workqueue, whose rescuer thread keeps
 * requests moving under memory pressure, and the unbind destroys it, as
 * loop does with its own. All the hardware queues share one set of tags
 * (BLK_MQ_F_TAG_HCTX_SHARED in main.c), so another queue costs its blk-mq
 * context, not another queue depth's worth of requests.
 *
 * The first binding also adds the hardware queues it submits on, as nbd
 * does at connect time, and they stay when it is undone. Taking them away
 * would free little: blk-mq keeps a removed queue's context for reuse until
 * the disk goes. And it would cost a queue freeze, an RCU grace period, in
 * every detach, where loopx otherwise waits for none (see loopx_drain()).
 * A binding after a change of loopx/nr_hw_queues sets the new count. The
 * change happens with capacity zero, so the freeze inside
 * blk_mq_update_nr_hw_queues() has no request to wait for.
 */
#include <linux/blk-mq.h>
#include <linux/workqueue.h>

#include "loopx.h"

/*
 * How many of a device's work items may run at once. Every direct I/O
 * request is a work item of its own (io.c), and on an unbound workqueue each
 * would get a kworker to itself: a queue depth of 32 would be 32 threads
 * taking turns on a few CPUs. Two per CPU cover the queues' ordered workers
 * and keep every CPU submitting; the rest wait, cheaply, in the workqueue.
 */
static int loopx_wq_max_active(void)
{
	return min_t(int, 2 * num_possible_cpus(), WQ_UNBOUND_MAX_ACTIVE);
}

/**
 * loopx_queues_up() - give a device being bound what its requests need
 * @lo: the device, unbound, with capacity zero and lo->lock held
 *
 * If memory is short for the extra hardware queues, blk-mq keeps the ones
 * it has: the binding then works with fewer, which costs speed, not data.
 *
 * Return: 0, or -ENOMEM with nothing changed.
 */
int loopx_queues_up(struct loopx_device *lo)
{
	lo->wq = alloc_workqueue("%s", WQ_UNBOUND | WQ_MEM_RECLAIM |
				 WQ_FREEZABLE, loopx_wq_max_active(),
				 lo->disk->disk_name);
	if (!lo->wq)
		return -ENOMEM;
	if (lo->tag_set.nr_hw_queues != lo->bound_hw_queues)
		blk_mq_update_nr_hw_queues(&lo->tag_set, lo->bound_hw_queues);
	return 0;
}

/**
 * loopx_queues_down() - undo loopx_queues_up(), but for the hardware queues
 * @lo: the device, lo->lock held, with no request using the backing file
 *	and none able to start (draining, or never bound)
 *
 * The cgroups' workers go first, then the workqueue they ran on, whose
 * destruction waits for any work item still finishing, so nothing of the
 * binding runs once this returns.
 */
void loopx_queues_down(struct loopx_device *lo)
{
	loopx_cg_workers_stop(lo);
	destroy_workqueue(lo->wq);
	lo->wq = NULL;
}
