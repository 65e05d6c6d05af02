// SPDX-License-Identifier: GPL-2.0-only
/*
 * loopx: module parameters, the device index and the life of one device
 * (creation and removal); binding a backing file is in bind.c.
 *
 * In native mode loopx takes a dynamic block major and names its disks
 * loopxN, so it can run beside the kernel's own loop driver. With compat=1
 * it takes loop's major 7, names and control minor instead, so that
 * util-linux, udev and systemd drive it without knowing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/major.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "loopx.h"

static int g_max_loop = 8;
module_param_named(max_loop, g_max_loop, int, 0444);
MODULE_PARM_DESC(max_loop, "Devices created at load time. Default: 8");

static int g_max_part;
module_param_named(max_part, g_max_part, int, 0444);
MODULE_PARM_DESC(max_part,
		 "Partition minors per device; non-zero scans every device. Default: 0");

static int g_hw_queue_depth = 128;
module_param_named(hw_queue_depth, g_hw_queue_depth, int, 0444);
MODULE_PARM_DESC(hw_queue_depth, "Requests in flight per device, shared by its hardware queues. Default: 128");

/*
 * A binding's hardware queues when nr_hw_queues is 0: one per CPU, up to
 * this many. What a queue buys loopx is one more worker for buffered
 * requests (io.c), and a few keep a backing file busy; what it costs is a
 * blk-mq context with its sysfs and debugfs entries, which on a large
 * machine would add up to more than stock loop's whole device
 * (Documentation/benchmark.md, "Memory per device").
 */
#define LOOPX_AUTO_HW_QUEUES	2

static int g_nr_hw_queues;
module_param_named(nr_hw_queues, g_nr_hw_queues, int, 0444);
MODULE_PARM_DESC(nr_hw_queues, "Hardware queues of a bound device (an unbound one has one); 0 for one per CPU, up to 2. Default: 0");

static int g_direct_io = -1;
module_param_named(direct_io, g_direct_io, int, 0444);
MODULE_PARM_DESC(direct_io,
		 "1: direct I/O on backing files that allow it, unless a binding turns it off; 0: only where a binding asks. Default: -1, which is 1 in native mode and 0 in compat mode (loop's default)");
/* g_direct_io resolved at load time */
static bool g_dio_default;
/* what loop/dio_reason says of a binding that did not ask for direct I/O */
static const char *g_dio_off_reason;

static bool g_compat = LOOPX_COMPAT_DEFAULT;
module_param_named(compat, g_compat, bool, 0444);
MODULE_PARM_DESC(compat,
		 "Take the place of loop: major 7, /dev/loopN, /dev/loop-control. Default: "
		 LOOPX_COMPAT_DEFAULT_NAME);

#ifdef LOOPX_FAULT_INJECTION
/*
 * Our own builds only (make modules; DKMS and the packages leave it out):
 * a load that fails at a chosen step, so that the tests see the error path
 * undo everything set up before it.
 */
static char *g_fail_init;
module_param_named(fail_init, g_fail_init, charp, 0444);
MODULE_PARM_DESC(fail_init,
		 "Test builds: fail the load with ENOMEM at a step: transfer, major, device (the last one), control");

static int loopx_init_fault(const char *step)
{
	if (!g_fail_init || strcmp(g_fail_init, step))
		return 0;
	pr_info("fail_init=%s: failing the load here\n", step);
	return -ENOMEM;
}
#else
static inline int loopx_init_fault(const char *step)
{
	return 0;
}
#endif

static int loopx_part_shift;
static int loopx_major;

/* Index -> device. A NULL entry is an index reserved while it is set up or torn down. */
static DEFINE_IDR(loopx_idr);
/*
 * Every index of loopx_idr again, marked LOOPX_MARK_UNBOUND while its device
 * is published and unbound: with a thousand devices bound, LOOP_CTL_GET_FREE
 * walks down a tree to an unbound one instead of looking at each. An entry
 * comes and goes with its index; marks never allocate, so a binding or an
 * unbind cannot fail on them.
 */
static DEFINE_XARRAY(loopx_unbound_index);
#define LOOPX_MARK_UNBOUND	XA_MARK_0
/* guards loopx_idr and so the set of devices */
DEFINE_MUTEX(loopx_ctl_mutex);
/* serialises bindings: the stacking check walks other devices' files */
DEFINE_MUTEX(loopx_bind_mutex);

static const char *loopx_prefix(void)
{
	return g_compat ? "loop" : "loopx";
}

/* The first minor of every device must fit MINORBITS. */
static int loopx_max_index(void)
{
	return MINORMASK >> loopx_part_shift;
}

static int loopx_reserve_index(int index)
{
	int ret;

	mutex_lock(&loopx_ctl_mutex);
	if (index >= 0) {
		ret = idr_alloc(&loopx_idr, NULL, index, index + 1, GFP_KERNEL);
		if (ret == -ENOSPC)
			ret = -EEXIST;
	} else {
		ret = idr_alloc(&loopx_idr, NULL, 0, loopx_max_index() + 1,
				GFP_KERNEL);
	}
	if (ret >= 0) {
		int err = xa_insert(&loopx_unbound_index, ret, xa_mk_value(0),
				    GFP_KERNEL);

		if (err) {
			idr_remove(&loopx_idr, ret);
			ret = err;
		}
	}
	mutex_unlock(&loopx_ctl_mutex);
	return ret;
}

static void loopx_release_index(int index)
{
	mutex_lock(&loopx_ctl_mutex);
	xa_erase(&loopx_unbound_index, index);
	idr_remove(&loopx_idr, index);
	mutex_unlock(&loopx_ctl_mutex);
}

/* Mark @lo's index as its state says; the index's xa_lock held. */
static void loopx_mark_state(struct loopx_device *lo)
{
	if (lo->state == LOOPX_UNBOUND)
		__xa_set_mark(&loopx_unbound_index, lo->index,
			      LOOPX_MARK_UNBOUND);
	else
		__xa_clear_mark(&loopx_unbound_index, lo->index,
				LOOPX_MARK_UNBOUND);
}

/**
 * loopx_set_state() - change a device's state
 * @lo: the device, lo->lock held (or, at module exit, nobody else left)
 * @state: the new state
 *
 * Keeps the mark that LOOP_CTL_GET_FREE searches in step with the state:
 * both change under the index's lock, so loopx_dev_add() publishing the
 * device sees either the old state and mark or the new ones.
 */
void loopx_set_state(struct loopx_device *lo, enum loopx_state state)
{
	xa_lock(&loopx_unbound_index);
	WRITE_ONCE(lo->state, state);
	loopx_mark_state(lo);
	xa_unlock(&loopx_unbound_index);
}

/* The lowest index of an unbound device, or -ENODEV; loopx_ctl_mutex held. */
static int loopx_first_unbound(void)
{
	unsigned long index = 0;

	if (!xa_find(&loopx_unbound_index, &index, ULONG_MAX,
		     LOOPX_MARK_UNBOUND))
		return -ENODEV;
	return index;
}

static void loopx_init_tag_set(struct loopx_device *lo)
{
	struct blk_mq_tag_set *set = &lo->tag_set;

	set->ops = &loopx_mq_ops;
	/* more at bind time, see queues.c */
	set->nr_hw_queues = 1;
	set->queue_depth = g_hw_queue_depth;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct loopx_cmd);
	/*
	 * Not BLOCKING: ->queue_rq only hands requests on (io.c).
	 * TAG_HCTX_SHARED: a binding's extra queues take no requests of their
	 * own (queues.c).
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_STACKING |
		     BLK_MQ_F_NO_SCHED_BY_DEFAULT | BLK_MQ_F_TAG_HCTX_SHARED;
	set->driver_data = lo;
}

static void loopx_init_disk(struct loopx_device *lo, struct gendisk *disk)
{
	disk->major = loopx_major;
	disk->first_minor = lo->index << loopx_part_shift;
	disk->minors = 1 << loopx_part_shift;
	disk->fops = &loopx_fops;
	disk->private_data = lo;
	/* partitions are scanned only when a binding asks for it */
	set_bit(GD_SUPPRESS_PART_SCAN, &disk->state);
	snprintf(disk->disk_name, DISK_NAME_LEN, "%s%d", loopx_prefix(),
		 lo->index);
	set_capacity(disk, 0);
}

/* A device keeps the parameters it was made with; no other file reads them. */
static void loopx_copy_params(struct loopx_device *lo)
{
	lo->compat = g_compat;
	lo->dio_default = g_dio_default;
	lo->dio_off_reason = g_dio_off_reason;
	lo->partscan = g_max_part != 0;
	lo->bound_hw_queues = g_nr_hw_queues ?:
			      min(num_possible_cpus(), LOOPX_AUTO_HW_QUEUES);
}

/**
 * loopx_dev_add() - create one device
 * @index: the wanted index, or -1 for the lowest free one
 *
 * Return: the index, -EEXIST if @index is taken, -EINVAL if it cannot be
 * numbered, or another negative errno.
 */
int loopx_dev_add(int index)
{
	struct loopx_device *lo;
	struct gendisk *disk;
	int ret;

	if (index > loopx_max_index())
		return -EINVAL;
	lo = kzalloc(sizeof(*lo), GFP_KERNEL);
	if (!lo)
		return -ENOMEM;
	ret = loopx_reserve_index(index);
	if (ret < 0)
		goto out_free_dev;
	lo->index = ret;
	loopx_copy_params(lo);
	mutex_init(&lo->lock);
	spin_lock_init(&lo->file_lock);
	init_waitqueue_head(&lo->release_wq);
	init_waitqueue_head(&lo->drain_wq);
	lo->state = LOOPX_UNBOUND;
	lo->dio_reason = "";
	INIT_WORK(&lo->refusal_work, loopx_refusal_work);
	loopx_cg_workers_init(lo);

	loopx_init_tag_set(lo);
	ret = blk_mq_alloc_tag_set(&lo->tag_set);
	if (ret)
		goto out_release_index;
	disk = loopx_alloc_disk(&lo->tag_set, lo);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto out_free_tags;
	}
	lo->disk = disk;
	loopx_init_disk(lo, disk);
	ret = device_add_disk(NULL, disk, loopx_disk_groups);
	if (ret)
		goto out_put_disk;

	mutex_lock(&loopx_ctl_mutex);
	idr_replace(&loopx_idr, lo, lo->index);
	/* an opener of the new disk may have bound it already */
	xa_lock(&loopx_unbound_index);
	loopx_mark_state(lo);
	xa_unlock(&loopx_unbound_index);
	mutex_unlock(&loopx_ctl_mutex);
	return lo->index;

out_put_disk:
	put_disk(disk);
out_free_tags:
	blk_mq_free_tag_set(&lo->tag_set);
out_release_index:
	loopx_release_index(lo->index);
	mutex_destroy(&lo->lock);
out_free_dev:
	kfree(lo);
	return ret;
}

/*
 * Tear down a device that is in LOOPX_DELETING and whose index entry is
 * already NULL. The index stays reserved until del_gendisk() is done, so a
 * concurrent LOOP_CTL_ADD cannot register a second disk with the same name.
 * The structure itself is freed by ->free_disk (loopx_free_disk()).
 */
static void loopx_dev_destroy(struct loopx_device *lo)
{
	int index = lo->index;

	del_gendisk(lo->disk);
	blk_mq_free_tag_set(&lo->tag_set);
	loopx_release_index(index);
	put_disk(lo->disk);
}

/**
 * loopx_free_disk() - block_device_operations.free_disk
 * @disk: the disk whose last reference is gone
 *
 * The end of a device's life, undoing the rest of loopx_dev_add(): nothing
 * can reach it any more.
 */
void loopx_free_disk(struct gendisk *disk)
{
	struct loopx_device *lo = disk->private_data;

	/* a refusal met by the last binding's last requests */
	flush_work(&lo->refusal_work);
	mutex_destroy(&lo->lock);
	kfree(lo);
}

/* Called with loopx_ctl_mutex held; returns with the device hidden. */
static int loopx_dev_claim_for_removal(struct loopx_device *lo)
{
	int ret;

	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		return ret;
	if (lo->state != LOOPX_UNBOUND || lo->open_count || lo->holds)
		ret = -EBUSY;
	else
		loopx_set_state(lo, LOOPX_DELETING);
	mutex_unlock(&lo->lock);
	if (!ret)
		idr_replace(&loopx_idr, NULL, lo->index);
	return ret;
}

/**
 * loopx_dev_remove() - LOOP_CTL_REMOVE
 * @index: the device to remove
 *
 * Return: 0, -ENODEV if there is no such device, -EBUSY if it is bound or
 * open, -EINVAL for a negative index, -EINTR on a fatal signal.
 */
int loopx_dev_remove(int index)
{
	struct loopx_device *lo;
	int ret;

	if (index < 0)
		return -EINVAL;
	ret = mutex_lock_killable(&loopx_ctl_mutex);
	if (ret)
		return ret;
	lo = idr_find(&loopx_idr, index);
	ret = lo ? loopx_dev_claim_for_removal(lo) : -ENODEV;
	mutex_unlock(&loopx_ctl_mutex);
	if (!ret)
		loopx_dev_destroy(lo);
	return ret;
}

/**
 * loopx_dev_get_free() - LOOP_CTL_GET_FREE
 *
 * The answer is a hint: another process may bind the device before the
 * caller does, and LOOP_CONFIGURE then fails with -EBUSY; tools retry.
 *
 * Return: the index of an unbound device, created if none exists.
 */
int loopx_dev_get_free(void)
{
	int id;

	mutex_lock(&loopx_ctl_mutex);
	id = loopx_first_unbound();
	mutex_unlock(&loopx_ctl_mutex);
	return id >= 0 ? id : loopx_dev_add(-1);
}

/* An unbound device, or NULL; loopx_ctl_mutex held. */
static struct loopx_device *loopx_find_unbound(void)
{
	int id = loopx_first_unbound();

	return id >= 0 ? idr_find(&loopx_idr, id) : NULL;
}

/* Hold @lo unless it is on its way out; loopx_ctl_mutex held. */
static bool loopx_try_hold(struct loopx_device *lo)
{
	bool held;

	mutex_lock(&lo->lock);
	held = lo->state != LOOPX_DELETING;
	if (held)
		lo->holds++;
	mutex_unlock(&lo->lock);
	return held;
}

/**
 * loopx_dev_hold() - find a device and keep it from being removed
 * @index: the device, or -1 for any unbound one; created if there is none
 *
 * For work on a device that nobody has open, such as binding it from the
 * control node: LOOP_CTL_REMOVE refuses a held device with -EBUSY, as it
 * refuses an open one. Release with loopx_dev_unhold().
 *
 * Return: the device, or an ERR_PTR: -EINVAL for an index out of range,
 * -ENOMEM, or -EBUSY if devices keep vanishing under the search.
 */
struct loopx_device *loopx_dev_hold(int index)
{
	struct loopx_device *lo;
	int tries, ret;

	/* each miss creates a device, which a remover may take at once */
	for (tries = 0; tries < 8; tries++) {
		mutex_lock(&loopx_ctl_mutex);
		lo = index < 0 ? loopx_find_unbound() :
				 idr_find(&loopx_idr, index);
		if (lo && !loopx_try_hold(lo))
			lo = NULL;
		mutex_unlock(&loopx_ctl_mutex);
		if (lo)
			return lo;
		ret = loopx_dev_add(index);
		/* -EEXIST: added by someone else meanwhile, look again */
		if (ret < 0 && ret != -EEXIST)
			return ERR_PTR(ret);
	}
	return ERR_PTR(-EBUSY);
}

/**
 * loopx_dev_unhold() - undo loopx_dev_hold()
 * @lo: the device
 */
void loopx_dev_unhold(struct loopx_device *lo)
{
	mutex_lock(&lo->lock);
	lo->holds--;
	mutex_unlock(&lo->lock);
}

/**
 * loopx_is_loopx_bdev() - is this block device one of ours
 * @bdev: any block device
 *
 * Return: true for a loopx disk or partition.
 */
bool loopx_is_loopx_bdev(struct block_device *bdev)
{
	return bdev->bd_disk->fops == &loopx_fops;
}

/* Opening /dev/loopxN for a device that does not exist yet creates it. */
static void loopx_probe(dev_t dev)
{
	int index = MINOR(dev) >> loopx_part_shift;

	loopx_dev_add(index);
}

static int loopx_check_params(void)
{
	if (g_max_part < 0 || g_max_part > DISK_MAX_PARTS - 1) {
		pr_err("max_part=%d: must be 0 to %d\n", g_max_part,
		       DISK_MAX_PARTS - 1);
		return -EINVAL;
	}
	if (g_max_part) {
		/* minors come in powers of two: round up as loop does */
		loopx_part_shift = fls(g_max_part);
		g_max_part = (1 << loopx_part_shift) - 1;
	}
	if (g_max_loop < 0 || g_max_loop > loopx_max_index() + 1) {
		pr_err("max_loop=%d: must be 0 to %d\n", g_max_loop,
		       loopx_max_index() + 1);
		return -EINVAL;
	}
	if (g_hw_queue_depth < 1 || g_hw_queue_depth > BLK_MQ_MAX_DEPTH) {
		pr_err("hw_queue_depth=%d: must be 1 to %d\n",
		       g_hw_queue_depth, BLK_MQ_MAX_DEPTH);
		return -EINVAL;
	}
	if (g_nr_hw_queues < 0 || g_nr_hw_queues > nr_cpu_ids) {
		pr_err("nr_hw_queues=%d: must be 0 to %u\n", g_nr_hw_queues,
		       nr_cpu_ids);
		return -EINVAL;
	}
	if (g_direct_io < -1 || g_direct_io > 1) {
		pr_err("direct_io=%d: must be -1, 0 or 1\n", g_direct_io);
		return -EINVAL;
	}
	return 0;
}

/*
 * Compat mode stands in for loop, whose bindings are buffered unless they
 * ask; native mode uses direct I/O wherever it is proven to work. The
 * parameter then shows what was chosen.
 */
static void loopx_resolve_dio_default(void)
{
	if (g_direct_io < 0) {
		g_direct_io = !g_compat;
		g_dio_off_reason = "not asked for (compat mode follows loop's default)";
	} else {
		g_dio_off_reason = "off by module parameter direct_io";
	}
	g_dio_default = g_direct_io;
}

static void loopx_remove_all(void)
{
	struct loopx_device *lo;
	int id;

	/*
	 * Bound and open devices hold a module reference, so by now every
	 * device is unbound and closed: nothing can fail here.
	 */
	mutex_lock(&loopx_ctl_mutex);
	idr_for_each_entry(&loopx_idr, lo, id) {
		loopx_set_state(lo, LOOPX_DELETING);
		idr_replace(&loopx_idr, NULL, id);
		mutex_unlock(&loopx_ctl_mutex);
		loopx_dev_destroy(lo);
		mutex_lock(&loopx_ctl_mutex);
	}
	mutex_unlock(&loopx_ctl_mutex);
	idr_destroy(&loopx_idr);
}

static int loopx_register_major(void)
{
	int ret;

	if (!g_compat) {
		ret = __register_blkdev(0, "loopx", loopx_probe);
		if (ret < 0)
			pr_err("cannot get a block major: %d\n", ret);
		return ret;
	}
	ret = __register_blkdev(LOOP_MAJOR, "loop", loopx_probe);
	if (ret) {
		pr_err("compat=1 needs block major %d, which is taken (loop is loaded or built into this kernel): unload loop, or load with compat=0 (%d)\n",
		       LOOP_MAJOR, ret);
		return ret;
	}
	return LOOP_MAJOR;
}

static int __init loopx_init(void)
{
	int ret, i;

	ret = loopx_check_params();
	if (ret)
		return ret;
	loopx_resolve_dio_default();
	/* before the major: a probe may create a device as soon as it exists */
	ret = loopx_io_init();
	if (ret)
		return ret;
	ret = loopx_init_fault("transfer") ?: loopx_xfer_init();
	if (ret)
		goto out_io_exit;
	ret = loopx_init_fault("major") ?: loopx_register_major();
	if (ret < 0)
		goto out_xfer_exit;
	loopx_major = ret;

	for (i = 0; i < g_max_loop; i++) {
		ret = i == g_max_loop - 1 ? loopx_init_fault("device") : 0;
		ret = ret ?: loopx_dev_add(i);
		if (ret < 0)
			goto out_remove_devices;
	}
	ret = loopx_init_fault("control") ?: loopx_ctl_register(g_compat);
	if (ret)
		goto out_remove_devices;
	pr_info("%s mode, major %d, %d devices, version %s\n",
		g_compat ? "compat" : "native", loopx_major, g_max_loop,
		LOOPX_VERSION);
	return 0;

out_remove_devices:
	/* as at exit: no probe may add a device while they are removed */
	unregister_blkdev(loopx_major, g_compat ? "loop" : "loopx");
	loopx_remove_all();
out_xfer_exit:
	loopx_xfer_exit();
out_io_exit:
	loopx_io_exit();
	return ret;
}

static void __exit loopx_exit(void)
{
	/* close the ways in before the devices go */
	loopx_ctl_unregister();
	unregister_blkdev(loopx_major, g_compat ? "loop" : "loopx");
	loopx_remove_all();
	loopx_xfer_exit();
	loopx_io_exit();
}

module_init(loopx_init);
module_exit(loopx_exit);

MODULE_DESCRIPTION("File-backed block devices with the loop ABI");
MODULE_AUTHOR("The loopx developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(LOOPX_VERSION);
