// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding a backing file to a device and unbinding it: LOOP_SET_FD,
 * LOOP_CONFIGURE, LOOP_CHANGE_FD, LOOP_CLR_FD, and autoclear at last close.
 *
 * Every path that binds or unbinds holds disk->open_mutex and then lo->lock
 * for the whole operation. ->open and ->release run under open_mutex too, so
 * no opener can appear or vanish half way, and the partition table can be
 * scanned or dropped without dropping a lock: the ioctl returns with every
 * partition node in place, or none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "loopx.h"
#include "logic.h"

/*
 * Take a reference on the backing file of another loopx device, or NULL if
 * it is not bound. Its file pointer is stable under its file_lock.
 */
static struct file *loopx_get_backing(struct loopx_device *lo)
{
	struct file *file;

	spin_lock(&lo->file_lock);
	file = lo->file;
	if (file)
		get_file(file);
	spin_unlock(&lo->file_lock);
	return file;
}

/*
 * A backing file must be a regular file or a block device, and following
 * loopx devices down from it must never lead back to @lo: that would be a
 * device whose I/O waits on itself. Called with loopx_bind_mutex held, so no
 * other binding can close a cycle meanwhile; unbinding can only break one.
 */
static int loopx_validate_file(struct loopx_device *lo, struct file *file)
{
	struct file *f = file, *next;
	struct block_device *bdev;
	umode_t mode;
	int ret = 0;

	get_file(f);
	for (;;) {
		mode = file_inode(f)->i_mode;
		if (!S_ISREG(mode) && !S_ISBLK(mode)) {
			ret = -EINVAL;
			break;
		}
		if (!S_ISBLK(mode))
			break;
		bdev = I_BDEV(f->f_mapping->host);
		if (!loopx_is_loopx_bdev(bdev))
			break;
		if (bdev->bd_disk == lo->disk) {
			ret = -EBADF;
			break;
		}
		next = loopx_get_backing(bdev->bd_disk->private_data);
		if (!next) {
			ret = -EINVAL;
			break;
		}
		fput(f);
		f = next;
	}
	fput(f);
	return ret;
}

static bool loopx_file_writable(struct file *file)
{
	return (file->f_mode & FMODE_WRITE) && file->f_op->write_iter;
}

/*
 * A binder that names LO_FLAGS_DIRECT_IO for a file that cannot do direct
 * I/O gets EINVAL in native mode, not a device that quietly runs buffered
 * and a flag to check afterwards. Compat mode binds buffered and clears the
 * flag, as loop does; so does a plain bind that only defaults to direct I/O.
 * Called before anything of the binding is set; the probe results it leaves
 * in @lo are those of @file, which loopx_apply_config() uses.
 */
static int loopx_check_dio_asked(struct loopx_device *lo, struct file *file,
				 const struct loop_config *config,
				 unsigned int block_size)
{
	int err;

	if (lo->compat || !(config->info.lo_flags & LO_FLAGS_DIRECT_IO))
		return 0;
	if (loopx_dio_unusable(lo, file, config->info.lo_offset, block_size,
			       &err))
		return -EINVAL;
	return 0;
}

/*
 * Fill in the configuration of an unbound device. Its capacity is zero, so no
 * request can reach the queue and the limits may change without a freeze.
 * Return: 0, or -EINVAL (loopx_check_dio_asked()) with nothing changed but
 * the probe results.
 */
static int loopx_apply_config(struct loopx_device *lo, struct file *file,
			      blk_mode_t mode, const struct loop_config *config,
			      u32 xflags, struct loopx_xfer_state *xfer)
{
	const struct loop_info64 *info = &config->info;
	u32 flags = info->lo_flags;
	bool buffered = xflags & LOOPX_CONFIG_BUFFERED;
	/* an fd opened O_DIRECT asks for direct I/O too, as with loop */
	bool want_dio = !buffered &&
			((flags & LO_FLAGS_DIRECT_IO) ||
			 (file->f_flags & O_DIRECT) || lo->dio_default);
	unsigned int block_size;
	int ret;

	loopx_probe_backing(lo, file);
	block_size = config->block_size ?:
		     loopx_default_block_size(lo, want_dio);
	/* a data unit is never split between two logical blocks */
	if (xfer->unit_size > LOOPX_XFER_UNIT) {
		if (config->block_size && config->block_size < xfer->unit_size)
			return -EINVAL;
		block_size = max(block_size, xfer->unit_size);
	}
	if (!buffered) {
		ret = loopx_check_dio_asked(lo, file, config, block_size);
		if (ret)
			return ret;
	}

	if (lo->partscan)
		flags |= LO_FLAGS_PARTSCAN;
	if (!(mode & BLK_OPEN_WRITE) || !loopx_file_writable(file))
		flags |= LO_FLAGS_READ_ONLY;

	spin_lock(&lo->file_lock);
	lo->file = file;
	spin_unlock(&lo->file_lock);
	WRITE_ONCE(lo->offset, info->lo_offset);
	WRITE_ONCE(lo->sizelimit, info->lo_sizelimit);
	WRITE_ONCE(lo->flags, flags);
	WRITE_ONCE(lo->written, false);
	memcpy(lo->file_name, info->lo_file_name, LO_NAME_SIZE);
	lo->file_name[LO_NAME_SIZE - 1] = 0;
	memcpy(lo->crypt_name, info->lo_crypt_name, LO_NAME_SIZE);
	lo->crypt_name[LO_NAME_SIZE - 1] = 0;
	/* a cipher from struct loopx_crypt is reported as lo_crypt_name */
	if (xfer->type == LO_CRYPT_CRYPTOAPI && !lo->crypt_name[0])
		strscpy(lo->crypt_name, xfer->name, LO_NAME_SIZE);
	/* the device owns the transform from here on */
	loopx_xfer_install(lo, xfer);

	loopx_forget_refusals(lo);
	loopx_set_block_limits(lo, block_size);
	loopx_apply_dio(lo, want_dio, buffered ? "off as asked by the binder" :
				      lo->dio_off_reason, 0);
	loopx_set_file_limits(lo);
	return 0;
}

/*
 * Scan the partition table, with open_mutex held and the disk's uevents
 * suppressed: the block layer then also holds back each partition's add
 * (as it does for a disk being added), and this sends them once the table
 * is complete. The caller sends the disk's one change afterwards. The
 * exported disk_uevent() cannot send them: it sends its action for the
 * disk as well, and the disk's add was sent when it was created. open_mutex
 * keeps the table from changing under the walk. Stress 01 counts the
 * uevents of every bind (one add per partition, then the disk's change).
 */
void loopx_scan_partitions(struct loopx_device *lo)
{
	struct block_device *part;
	unsigned long idx;
	int ret;

	clear_bit(GD_SUPPRESS_PART_SCAN, &lo->disk->state);
	ret = bdev_disk_changed(lo->disk, false);
	if (ret)
		pr_warn("%s: partition scan failed: %d\n",
			lo->disk->disk_name, ret);
	xa_for_each_start(&lo->disk->part_tbl, idx, part, 1)
		kobject_uevent(bdev_kobj(part), KOBJ_ADD);
}

/**
 * loopx_lock() - take the disk's open_mutex and lo->lock for a change
 * @lo: the device
 *
 * Whoever holds them may wait long, for a sync or a drain on a slow or
 * stuck backing file; like loop, a configuration call waiting behind it
 * gives up on a fatal signal instead of sleeping on unkillably.
 *
 * Return: 0 with both held, or -EINTR with neither.
 */
int loopx_lock(struct loopx_device *lo)
{
	if (mutex_lock_killable(&lo->disk->open_mutex))
		return -EINTR;
	if (mutex_lock_killable(&lo->lock)) {
		mutex_unlock(&lo->disk->open_mutex);
		return -EINTR;
	}
	return 0;
}

/**
 * loopx_unlock() - undo loopx_lock()
 * @lo: the device
 */
void loopx_unlock(struct loopx_device *lo)
{
	mutex_unlock(&lo->lock);
	mutex_unlock(&lo->disk->open_mutex);
}

/**
 * loopx_bind_opts_get() - check and copy in what the configure ioctls add
 * @opts: filled in; loopx_bind_opts_put() once the binding is done
 * @flags: LOOPX_CONFIG_* as the caller passed them
 * @crypt: the caller's pointer to a struct loopx_crypt, or 0
 * @ext: the struct loopx_config_ext of the request, already copied in
 * @crypt_buf: where the struct loopx_crypt is copied to
 *
 * Return: 0, -EINVAL for unknown flags or reserved words that are not
 * zero, or an error of loopx_crypt_from_user() or loopx_tag_from_user().
 */
int loopx_bind_opts_get(struct loopx_bind_opts *opts, u32 flags, u64 crypt,
			const struct loopx_config_ext *ext,
			struct loopx_crypt *crypt_buf)
{
	const struct loopx_crypt *c;
	char *t;

	memset(opts, 0, sizeof(*opts));
	if ((flags & ~LOOPX_CONFIG_ALL) || ext->__reserved0 ||
	    memchr_inv(ext->__reserved, 0, sizeof(ext->__reserved)))
		return -EINVAL;
	c = loopx_crypt_from_user(crypt, crypt_buf);
	if (IS_ERR(c))
		return PTR_ERR(c);
	t = loopx_tag_from_user(ext->tag, ext->tag_len);
	if (IS_ERR(t))
		return PTR_ERR(t);
	opts->flags = flags;
	opts->crypt = c;
	opts->tag = t;
	return 0;
}

/**
 * loopx_bind_opts_put() - undo loopx_bind_opts_get()
 * @opts: the options; the binding has kept its own copy of the tag
 */
void loopx_bind_opts_put(struct loopx_bind_opts *opts)
{
	kfree(opts->tag);
	opts->tag = NULL;
}

/**
 * loopx_configure() - LOOP_SET_FD and LOOP_CONFIGURE
 * @lo: the device
 * @mode: how the caller opened the device; read-only forces a read-only
 *	binding
 * @config: what to bind; LOOP_SET_FD passes one with only the fd set
 * @opts: what LOOPX_IOC_CONFIGURE or LOOPX_CTL_CONFIGURE add, or NULL
 *
 * Return: 0, -EBADF for a bad fd or a file that would stack the device on
 * itself, -EINVAL for a file that is neither regular nor a block device, an
 * invalid configuration, or (native mode) LO_FLAGS_DIRECT_IO for a file
 * that cannot do direct I/O, -EBUSY if the device is already bound, -EPERM
 * for a transform without CAP_SYS_ADMIN, a keyring error for the
 * encryption, -ENOMEM, -EINTR if a fatal signal ended the wait for the
 * locks.
 */
int loopx_configure(struct loopx_device *lo, blk_mode_t mode,
		    const struct loop_config *config,
		    const struct loopx_bind_opts *opts)
{
	static const struct loopx_bind_opts none = { };
	struct gendisk *disk = lo->disk;
	struct loopx_xfer_state xfer;
	struct loopx_file_key key;
	struct file *file;
	char *tag = NULL;
	int ret;

	if (!opts)
		opts = &none;
	ret = loopx_check_config(config, PAGE_SIZE);
	if (ret)
		return ret;
	/* the binding's own copy: nothing may fail once it is bound */
	if (opts->tag) {
		tag = kstrdup(opts->tag, GFP_KERNEL);
		if (!tag)
			return -ENOMEM;
	}
	ret = loopx_xfer_get(lo, &xfer, &config->info, opts->crypt);
	if (ret)
		goto out_free_tag;
	file = fget(config->fd);
	if (!file) {
		ret = -EBADF;
		goto out_put_xfer;
	}
	loopx_file_key(file, &key);

	ret = mutex_lock_killable(&loopx_bind_mutex);
	if (ret)
		goto out_put;
	ret = loopx_lock(lo);
	if (ret)
		goto out_unlock_bind;
	if (lo->state != LOOPX_UNBOUND) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = loopx_validate_file(lo, file);
	if (ret)
		goto out_unlock;
	ret = loopx_queues_up(lo);
	if (ret)
		goto out_unlock;

	/*
	 * The disk's own uevents wait until the end (the partition scan sends
	 * one too), so udev sees one change, after every partition's add.
	 */
	ret = loopx_apply_config(lo, file, mode, config, opts->flags,
				 &xfer);
	if (ret)
		goto out_queues_down;
	dev_set_uevent_suppress(disk_to_dev(disk), 1);
	loopx_force_media_change(disk);
	set_disk_ro(disk, lo->flags & LO_FLAGS_READ_ONLY);
	set_capacity(disk, loopx_file_sectors(lo, file));
	loopx_set_state(lo, LOOPX_BOUND);
	loopx_index_add(lo, &key);
	if (tag)
		loopx_tag_set(lo, tag);
	/* the binding pins the module until it is undone */
	__module_get(THIS_MODULE);
	if (lo->flags & LO_FLAGS_PARTSCAN)
		loopx_scan_partitions(lo);
	else
		clear_bit(GD_NEED_PART_SCAN, &disk->state);
	/* loop/ tells tools the device is bound: only once it is complete */
	if (loopx_sysfs_add(lo))
		pr_warn("%s: cannot create the loop sysfs directory\n",
			disk->disk_name);
	dev_set_uevent_suppress(disk_to_dev(disk), 0);
	kobject_uevent(&disk_to_dev(disk)->kobj, KOBJ_CHANGE);
	loopx_unlock(lo);
	mutex_unlock(&loopx_bind_mutex);
	return 0;

out_queues_down:
	loopx_queues_down(lo);
out_unlock:
	loopx_unlock(lo);
out_unlock_bind:
	mutex_unlock(&loopx_bind_mutex);
out_put:
	fput(file);
out_put_xfer:
	loopx_xfer_put(&xfer);
out_free_tag:
	kfree(tag);
	return ret;
}

/*
 * Whoever looked a partition up just before it is deleted still holds its
 * block_device and, once open_mutex is free, would open it: a partition of a
 * disk with no medium, which fails every read and, while it stays open, makes
 * the next binding's partition scan fail with EBUSY. The block layer refuses
 * to open a partition whose size is zero, so that is what they all get.
 * It has no exported way to set a partition's size (bdev_set_nr_sectors()
 * is private to block/), hence the fields by hand, under the lock the block
 * layer takes for them; stress 01 (detach racing opens of partitions)
 * fails with EBUSY scans if this stops working.
 */
static void loopx_shrink_partitions(struct gendisk *disk)
{
	struct block_device *part;
	unsigned long idx;

	xa_for_each_start(&disk->part_tbl, idx, part, 1) {
		spin_lock(&part->bd_size_lock);
		part->bd_nr_sectors = 0;
		i_size_write(loopx_bdev_inode(part), 0);
		spin_unlock(&part->bd_size_lock);
	}
}

/**
 * loopx_unbind() - undo a binding
 * @lo: the device, with open_mutex and lo->lock held and the state already
 *	LOOPX_RUNDOWN
 *
 * Dirty data is written back and in-flight I/O drained before the file goes.
 *
 * Return: the file, for the caller to fput() once the locks are dropped (the
 * final fput may sleep in the backing filesystem).
 */
struct file *loopx_unbind(struct loopx_device *lo)
{
	struct gendisk *disk = lo->disk;
	struct file *file = lo->file;
	struct loopx_xfer_state xfer = { };
	int ret;

	sync_blockdev(disk->part0);
	/* one change uevent at the end, after the partitions are gone */
	dev_set_uevent_suppress(disk_to_dev(disk), 1);
	loopx_drain(lo);
	if (lo->written)
		vfs_fsync(file, 0);
	loopx_index_del(lo);
	loopx_tag_clear(lo);
	spin_lock(&lo->file_lock);
	lo->file = NULL;
	spin_unlock(&lo->file_lock);
	WRITE_ONCE(lo->offset, 0);
	WRITE_ONCE(lo->sizelimit, 0);
	lo->use_dio = false;
	WRITE_ONCE(lo->dio_reason, "");
	WRITE_ONCE(lo->dio_err, 0);
	loopx_forget_refusals(lo);
	memset(lo->file_name, 0, LO_NAME_SIZE);
	memset(lo->crypt_name, 0, LO_NAME_SIZE);
	/* drained: no request uses the transform any more */
	loopx_xfer_install(lo, &xfer);
	loopx_xfer_put(&xfer);
	loopx_queues_down(lo);
	loopx_reset_limits(lo);
	invalidate_disk(disk);
	set_disk_ro(disk, false);
	WRITE_ONCE(lo->draining, false);

	loopx_sysfs_remove(lo);
	/*
	 * invalidate_bdev() leaves mapped pages alone; with capacity zero no
	 * read can be waiting on one, so drop them all now, or the next binding
	 * would show stale data to whoever has the device mapped.
	 */
	truncate_inode_pages(loopx_bdev_inode(disk->part0)->i_mapping, 0);
	/* a new diskseq tells udev and systemd this is not the old medium */
	loopx_force_media_change(disk);
	dev_set_uevent_suppress(disk_to_dev(disk), 0);
	loopx_shrink_partitions(disk);
	ret = bdev_disk_changed(disk, false);
	if (ret)
		pr_warn("%s: cannot drop partitions: %d\n", disk->disk_name, ret);
	set_bit(GD_SUPPRESS_PART_SCAN, &disk->state);
	kobject_uevent(&disk_to_dev(disk)->kobj, KOBJ_CHANGE);

	WRITE_ONCE(lo->flags, 0);
	loopx_set_state(lo, LOOPX_UNBOUND);
	module_put(THIS_MODULE);
	return file;
}

/* Whoever has the device open besides the caller; lo->lock held. */
static bool loopx_busy(struct loopx_device *lo)
{
	return lo->open_count > 1 || lo->disk->open_partitions;
}

/**
 * loopx_clear() - LOOP_CLR_FD
 * @lo: the device
 *
 * The sole opener (the caller) detaches at once: when this returns, data is
 * on the backing file, the file is released and the partitions are gone.
 * With other openers, detach is deferred to the last close, as loop does,
 * because udev and blkid open devices behind everyone's back.
 *
 * Return: 0, -ENXIO if the device is not bound, -EINTR on a fatal signal.
 */
int loopx_clear(struct loopx_device *lo)
{
	struct file *file = NULL;
	int ret;

	ret = loopx_lock(lo);
	if (ret)
		return ret;
	if (lo->state != LOOPX_BOUND) {
		ret = -ENXIO;
	} else if (loopx_busy(lo)) {
		/* not frozen: the I/O path reads @flags with READ_ONCE() */
		WRITE_ONCE(lo->flags, lo->flags | LO_FLAGS_AUTOCLEAR);
	} else {
		loopx_set_state(lo, LOOPX_RUNDOWN);
		file = loopx_unbind(lo);
	}
	loopx_unlock(lo);
	if (file)
		fput(file);
	return ret;
}

/* Disk and partitions held exclusively: mounted, or claimed by dm or md. */
static unsigned int loopx_count_holders(struct gendisk *disk)
{
	struct block_device *part;
	unsigned int holders = 0;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&disk->part_tbl, idx, part)
		if (READ_ONCE(part->bd_holder))
			holders++;
	rcu_read_unlock();
	return holders;
}

static bool loopx_detach_may_proceed(struct loopx_device *lo)
{
	return READ_ONCE(lo->open_count) <= 1 &&
	       !READ_ONCE(lo->disk->open_partitions);
}

/**
 * loopx_detach() - LOOPX_IOC_DETACH, the strict LOOP_CLR_FD
 * @lo: the device
 * @req: flags in; on return, and on -EBUSY, who else holds the device
 *
 * Return: 0 once the device is detached, -EBUSY while others hold it (and
 * LOOPX_DETACH_WAIT is not set), -EINTR if a signal ended the wait, -ENXIO if
 * nothing is bound, -EINVAL for unknown flags or reserved words.
 */
int loopx_detach(struct loopx_device *lo, struct loopx_detach *req)
{
	struct file *file = NULL;
	unsigned int i;
	int ret;

	if (req->flags & ~LOOPX_DETACH_ALL)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(req->__reserved); i++)
		if (req->__reserved[i])
			return -EINVAL;

	for (;;) {
		ret = loopx_lock(lo);
		if (ret)
			return ret;
		if (lo->state != LOOPX_BOUND) {
			ret = -ENXIO;
			break;
		}
		req->openers = lo->open_count ? lo->open_count - 1 : 0;
		req->holders = loopx_count_holders(lo->disk);
		if (!loopx_busy(lo)) {
			loopx_set_state(lo, LOOPX_RUNDOWN);
			file = loopx_unbind(lo);
			req->openers = 0;
			req->holders = 0;
			ret = 0;
			break;
		}
		loopx_unlock(lo);
		if (!(req->flags & LOOPX_DETACH_WAIT))
			return -EBUSY;
		if (wait_event_interruptible(lo->release_wq,
					     loopx_detach_may_proceed(lo) ||
					     !loopx_is_bound(lo)))
			return -EINTR;
	}
	loopx_unlock(lo);
	if (file)
		fput(file);
	return ret;
}

/**
 * loopx_change_fd() - LOOP_CHANGE_FD
 * @lo: the device
 * @fd: the new backing file
 *
 * Only for read-only devices, and only to a file that gives the same size:
 * the contents are promised to be the same (a live CD moving to a copy in
 * RAM), so cached pages stay valid and mounted filesystems carry on.
 *
 * Return: 0, -ENXIO if unbound, -EINVAL if not read-only or sizes differ,
 * -EBADF for a bad fd or a cycle, -EINTR on a fatal signal.
 */
int loopx_change_fd(struct loopx_device *lo, unsigned int fd)
{
	struct request_queue *q = lo->disk->queue;
	struct loopx_file_key key;
	struct file *file, *old;
	int ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	loopx_file_key(file, &key);
	ret = mutex_lock_killable(&loopx_bind_mutex);
	if (ret)
		goto out_put;
	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		goto out_unlock_bind;
	if (lo->state != LOOPX_BOUND) {
		ret = -ENXIO;
		goto out_unlock;
	}
	ret = -EINVAL;
	if (!(lo->flags & LO_FLAGS_READ_ONLY))
		goto out_unlock;
	ret = loopx_validate_file(lo, file);
	if (ret)
		goto out_unlock;
	if (loopx_file_sectors(lo, file) != get_capacity(lo->disk)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	blk_mq_freeze_queue(q);
	old = lo->file;
	spin_lock(&lo->file_lock);
	lo->file = file;
	spin_unlock(&lo->file_lock);
	loopx_probe_backing(lo, file);
	loopx_forget_refusals(lo);
	loopx_apply_dio(lo, lo->use_dio, lo->dio_reason, lo->dio_err);
	loopx_set_file_limits(lo);
	blk_mq_unfreeze_queue(q);
	loopx_index_del(lo);
	loopx_index_add(lo, &key);
	mutex_unlock(&lo->lock);
	mutex_unlock(&loopx_bind_mutex);

	kobject_uevent(&disk_to_dev(lo->disk)->kobj, KOBJ_CHANGE);
	fput(old);
	return 0;

out_unlock:
	mutex_unlock(&lo->lock);
out_unlock_bind:
	mutex_unlock(&loopx_bind_mutex);
out_put:
	fput(file);
	return ret;
}
