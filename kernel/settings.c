// SPDX-License-Identifier: GPL-2.0-only
/*
 * Changing a bound device: LOOP_SET_STATUS(64), LOOP_GET_STATUS(64),
 * LOOP_SET_CAPACITY, LOOP_SET_DIRECT_IO and LOOP_SET_BLOCK_SIZE.
 *
 * Changes that move data under the device's page cache (offset, size limit,
 * block size) claim the device first, so they fail with -EBUSY while it is
 * mounted instead of pulling a filesystem's blocks from under it. Once
 * claimed, the cache is written back and then dropped whole, mapped pages
 * included, after the change: loop's old answer to pages that would not go
 * away was -EAGAIN, which every tool had to retry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/kdev_t.h>
#include <linux/pagemap.h>

#include "loopx.h"
#include "logic.h"

/* The holder for short exclusive claims made by reconfiguration. */
static char loopx_claim_holder;

static int loopx_claim(struct loopx_device *lo, blk_mode_t mode)
{
	if (mode & BLK_OPEN_EXCL)
		return 0;
	return loopx_prepare_to_claim(lo->disk->part0, &loopx_claim_holder);
}

static void loopx_unclaim(struct loopx_device *lo, blk_mode_t mode)
{
	if (!(mode & BLK_OPEN_EXCL))
		bd_abort_claiming(lo->disk->part0, &loopx_claim_holder);
}

static void loopx_drop_page_cache(struct loopx_device *lo)
{
	truncate_inode_pages(loopx_bdev_inode(lo->disk->part0)->i_mapping, 0);
}

static void loopx_update_capacity(struct loopx_device *lo)
{
	set_capacity_and_notify(lo->disk, loopx_file_sectors(lo, lo->file));
}

static void loopx_set_names(struct loopx_device *lo,
			    const struct loop_info64 *info)
{
	memcpy(lo->file_name, info->lo_file_name, LO_NAME_SIZE);
	lo->file_name[LO_NAME_SIZE - 1] = 0;
	memcpy(lo->crypt_name, info->lo_crypt_name, LO_NAME_SIZE);
	lo->crypt_name[LO_NAME_SIZE - 1] = 0;
}

/**
 * loopx_set_status() - LOOP_SET_STATUS and LOOP_SET_STATUS64
 * @lo: the device
 * @mode: how the caller opened the device
 * @info: the new status; read-only fields and unsettable flags are ignored
 *
 * A new transform (encryption type, cipher or key) changes what the device
 * reads, as a new offset does, and is handled the same way; the status that
 * LOOP_GET_STATUS64 returns, written back, keeps the transform as it is
 * (see loopx_xfer_unchanged()).
 *
 * Return: 0, -ENXIO if unbound, -EINVAL for an unknown encryption type or a
 * key or cipher it refuses, -EPERM for a transform without CAP_SYS_ADMIN,
 * -EOVERFLOW for an offset or limit past a file position, -EBUSY if a new
 * offset, limit or transform is asked for while the device is exclusively
 * held (names and flags can change while it is mounted), -EINTR if a
 * fatal signal ended the wait for the device's locks.
 */
int loopx_set_status(struct loopx_device *lo, blk_mode_t mode,
		     const struct loop_info64 *info)
{
	struct request_queue *q = lo->disk->queue;
	bool resize, rexfer, partscan, claimed = false, prepared = false;
	struct loopx_xfer_state xfer = { };
	u32 flags;
	int ret;

	ret = loopx_check_info(info);
	if (ret)
		return ret;
again:
	ret = loopx_lock(lo);
	if (ret)
		goto out_unclaim;
	if (lo->state != LOOPX_BOUND) {
		ret = -ENXIO;
		goto out_unlock;
	}
	flags = loopx_status_flags(lo->flags, info->lo_flags);
	resize = lo->offset != info->lo_offset ||
		 lo->sizelimit != info->lo_sizelimit;
	rexfer = !loopx_xfer_unchanged(lo, info);
	/*
	 * Only a change that moves data needs the claim, and claiming may
	 * wait for another claimer, as setting a transform up may sleep:
	 * never with our locks held.
	 */
	if ((resize || rexfer) && !claimed) {
		loopx_unlock(lo);
		ret = loopx_claim(lo, mode);
		if (ret)
			return ret;
		claimed = true;
		goto again;
	}
	if (rexfer && !prepared) {
		loopx_unlock(lo);
		ret = loopx_xfer_get(lo, &xfer, info, NULL);
		if (ret)
			goto out_unclaim;
		prepared = true;
		goto again;
	}
	partscan = (flags & LO_FLAGS_PARTSCAN) &&
		   !(lo->flags & LO_FLAGS_PARTSCAN);

	if (resize || rexfer)
		sync_blockdev(lo->disk->part0);
	blk_mq_freeze_queue(q);
	WRITE_ONCE(lo->flags, flags);
	loopx_set_names(lo, info);
	if (rexfer) {
		/* the old transform is put below, the queue empty by then */
		loopx_xfer_install(lo, &xfer);
		loopx_set_file_limits(lo);
	}
	if (resize) {
		WRITE_ONCE(lo->offset, info->lo_offset);
		WRITE_ONCE(lo->sizelimit, info->lo_sizelimit);
		loopx_apply_dio(lo, lo->flags & LO_FLAGS_DIRECT_IO,
				lo->dio_reason, lo->dio_err);
	}
	blk_mq_unfreeze_queue(q);
	if (resize || rexfer)
		loopx_drop_page_cache(lo);
	if (resize)
		loopx_update_capacity(lo);
	if (partscan) {
		/* as at bind time: the adds, then one change for the disk */
		dev_set_uevent_suppress(disk_to_dev(lo->disk), 1);
		loopx_scan_partitions(lo);
		dev_set_uevent_suppress(disk_to_dev(lo->disk), 0);
		kobject_uevent(&disk_to_dev(lo->disk)->kobj, KOBJ_CHANGE);
	}
out_unlock:
	loopx_unlock(lo);
out_unclaim:
	if (claimed)
		loopx_unclaim(lo, mode);
	loopx_xfer_put(&xfer);
	return ret;
}

/**
 * loopx_get_status() - LOOP_GET_STATUS and LOOP_GET_STATUS64
 * @lo: the device
 * @info: filled in
 *
 * Return: 0, -ENXIO if unbound, -EINTR on a fatal signal, or the error of
 * stat() on the backing file.
 */
int loopx_get_status(struct loopx_device *lo, struct loop_info64 *info)
{
	struct kstat stat;
	struct path path;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		return ret;
	if (lo->state != LOOPX_BOUND) {
		mutex_unlock(&lo->lock);
		return -ENXIO;
	}
	info->lo_number = lo->index;
	info->lo_offset = lo->offset;
	info->lo_sizelimit = lo->sizelimit;
	info->lo_flags = lo->flags;
	/* the key stays in the kernel: lo_encrypt_key is left zero */
	info->lo_encrypt_type = lo->xfer.type;
	info->lo_encrypt_key_size = lo->xfer.key_size;
	memcpy(info->lo_file_name, lo->file_name, LO_NAME_SIZE);
	memcpy(info->lo_crypt_name, lo->crypt_name, LO_NAME_SIZE);
	path = lo->file->f_path;
	path_get(&path);
	mutex_unlock(&lo->lock);

	/* stat may sleep in the backing filesystem: not under our lock */
	ret = vfs_getattr(&path, &stat, STATX_INO, AT_STATX_SYNC_AS_STAT);
	if (!ret) {
		info->lo_device = huge_encode_dev(stat.dev);
		info->lo_inode = stat.ino;
		info->lo_rdevice = huge_encode_dev(stat.rdev);
	}
	path_put(&path);
	return ret;
}

/**
 * loopx_set_capacity() - LOOP_SET_CAPACITY: follow the backing file's size
 * @lo: the device
 *
 * Return: 0, -ENXIO if unbound, -EINTR on a fatal signal.
 */
int loopx_set_capacity(struct loopx_device *lo)
{
	int ret;

	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		return ret;
	if (lo->state == LOOPX_BOUND)
		loopx_update_capacity(lo);
	else
		ret = -ENXIO;
	mutex_unlock(&lo->lock);
	return ret;
}

/**
 * loopx_set_dio() - LOOP_SET_DIRECT_IO
 * @lo: the device
 * @arg: non-zero to use direct I/O on the backing file
 *
 * Return: 0, -ENXIO if unbound, -EINVAL if the backing file or the
 * configuration does not allow direct I/O, -EINTR on a fatal signal.
 */
int loopx_set_dio(struct loopx_device *lo, unsigned long arg)
{
	struct request_queue *q = lo->disk->queue;
	bool want = arg != 0;
	int ret, err;

	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		return ret;
	if (lo->state != LOOPX_BOUND) {
		ret = -ENXIO;
		goto out_unlock;
	}
	if (want == lo->use_dio)
		goto out_unlock;
	if (want && loopx_dio_unusable(lo, lo->file, lo->offset,
				       queue_logical_block_size(q), &err)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* direct reads must not miss what buffered writes left in the cache */
	if (want)
		vfs_fsync(lo->file, 0);
	blk_mq_freeze_queue(q);
	loopx_apply_dio(lo, want, "turned off by LOOP_SET_DIRECT_IO", 0);
	blk_mq_unfreeze_queue(q);
out_unlock:
	mutex_unlock(&lo->lock);
	return ret;
}

/**
 * loopx_set_block_size() - LOOP_SET_BLOCK_SIZE
 * @lo: the device
 * @mode: how the caller opened the device
 * @arg: the new logical block size
 *
 * Return: 0, -ENXIO if unbound, -EINVAL for a size that is not a power of
 * two from 512 to the page size, -EBUSY while exclusively held by others,
 * -EINTR on a fatal signal.
 */
int loopx_set_block_size(struct loopx_device *lo, blk_mode_t mode,
			 unsigned long arg)
{
	struct request_queue *q = lo->disk->queue;
	int ret;

	ret = loopx_claim(lo, mode);
	if (ret)
		return ret;
	ret = mutex_lock_killable(&lo->lock);
	if (ret)
		goto out_unclaim;
	if (lo->state != LOOPX_BOUND) {
		ret = -ENXIO;
		goto out_unlock;
	}
	ret = arg > UINT_MAX ? -EINVAL : loopx_check_block_size(arg, PAGE_SIZE);
	/* a data unit is never split between two logical blocks */
	if (!ret && lo->xfer.ops && arg < lo->xfer.unit_size)
		ret = -EINVAL;
	if (ret || queue_logical_block_size(q) == arg)
		goto out_unlock;

	sync_blockdev(lo->disk->part0);
	blk_mq_freeze_queue(q);
	loopx_set_block_limits(lo, arg);
	loopx_apply_dio(lo, lo->flags & LO_FLAGS_DIRECT_IO, lo->dio_reason,
			lo->dio_err);
	blk_mq_unfreeze_queue(q);
	loopx_drop_page_cache(lo);
	loopx_update_capacity(lo);
out_unlock:
	mutex_unlock(&lo->lock);
out_unclaim:
	loopx_unclaim(lo, mode);
	return ret;
}
