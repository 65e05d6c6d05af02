// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroups the backing file's I/O is charged to.
 *
 * Requests reach the backing file from workers of the root cgroup: without
 * more, a tenant's writes through loopx would escape its io.max, and the
 * page cache they fill its memory.max. As loop does since 5.12, whoever
 * works on a request takes on the blkcg its bios were charged to (the
 * submitter's, or for writeback the cgroup that dirtied the pages) and the
 * memcg of that cgroup, until the file I/O is submitted.
 */
#include <linux/blk-cgroup.h>
#include <linux/blk-mq.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>

#include "loopx.h"

/**
 * loopx_charge_enter() - charge what follows to @rq's cgroups
 * @rq: the request about to be worked on, not yet completed
 * @c: filled in, for loopx_charge_leave()
 *
 * The charge holds its own references: the file I/O may complete @rq, and
 * free its bios, before the caller leaves.
 */
void loopx_charge_enter(struct request *rq, struct loopx_charge *c)
{
	memset(c, 0, sizeof(*c));
	if (!rq->bio)
		return;
	c->blkcg = bio_blkcg_css(rq->bio);
	/* the root's, which a worker has already: nothing to take on */
	if (!c->blkcg || c->blkcg == blkcg_root_css) {
		c->blkcg = NULL;
		return;
	}
	/* a kworker's bios go to this blkcg; a task's are its own already */
	kthread_associate_blkcg(c->blkcg);
#ifdef CONFIG_MEMCG
	c->memcg = cgroup_get_e_css(c->blkcg->cgroup, &memory_cgrp_subsys);
	if (c->memcg)
		c->old_memcg = set_active_memcg(mem_cgroup_from_css(c->memcg));
#endif
}

/**
 * loopx_charge_leave() - undo loopx_charge_enter()
 * @c: what it filled in
 */
void loopx_charge_leave(struct loopx_charge *c)
{
#ifdef CONFIG_MEMCG
	if (c->memcg) {
		set_active_memcg(c->old_memcg);
		css_put(c->memcg);
	}
#endif
	if (c->blkcg)
		kthread_associate_blkcg(NULL);
}
