// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which devices hold a file (LOOPX_CTL_LOOKUP): an index of the bound
 * devices by the device and inode numbers of their backing files.
 *
 * The numbers are those stat(2) gives for the file, so a file is found
 * under any name it has: a symlink, a bind mount, another mount namespace.
 * They are taken before the device's locks, as a getattr may sleep in the
 * backing filesystem; a device enters the index when it is bound, and
 * leaves it when it is unbound or its file is changed, under lo->lock.
 */
#include <linux/hashtable.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "loopx.h"

static DEFINE_HASHTABLE(loopx_by_file, 8);
/* innermost: binders take it under lo->lock, lookups alone */
static DEFINE_SPINLOCK(loopx_by_file_lock);

static u64 loopx_key_hash(u64 dev, u64 ino)
{
	return ino ^ (dev << 32 | dev >> 32);
}

/**
 * loopx_file_key() - the numbers a backing file is found by
 * @file: the file
 * @key: filled in; not valid if the file cannot be stat()ed, and the
 *	device is then bound but cannot be looked up
 */
void loopx_file_key(struct file *file, struct loopx_file_key *key)
{
	struct kstat stat;

	memset(key, 0, sizeof(*key));
	if (vfs_getattr(&file->f_path, &stat, STATX_INO,
			AT_STATX_SYNC_AS_STAT))
		return;
	key->dev = huge_encode_dev(stat.dev);
	key->ino = stat.ino;
	key->valid = true;
}

/**
 * loopx_index_add() - make a device findable by its file
 * @lo: the device, just bound to a file or given a new one; lo->lock held
 * @key: the file's numbers, from loopx_file_key()
 */
void loopx_index_add(struct loopx_device *lo, const struct loopx_file_key *key)
{
	lo->file_key = *key;
	if (!key->valid)
		return;
	spin_lock(&loopx_by_file_lock);
	hash_add(loopx_by_file, &lo->file_node,
		 loopx_key_hash(key->dev, key->ino));
	spin_unlock(&loopx_by_file_lock);
}

/**
 * loopx_index_del() - undo loopx_index_add()
 * @lo: the device; lo->lock held
 */
void loopx_index_del(struct loopx_device *lo)
{
	if (!lo->file_key.valid)
		return;
	spin_lock(&loopx_by_file_lock);
	hash_del(&lo->file_node);
	spin_unlock(&loopx_by_file_lock);
	lo->file_key.valid = false;
}

static int loopx_cmp_index(const void *a, const void *b)
{
	s32 x = *(const s32 *)a, y = *(const s32 *)b;

	return x < y ? -1 : x > y;
}

static bool loopx_lookup_valid(const struct loopx_lookup *req)
{
	unsigned int i;

	if (req->flags || req->max > LOOPX_LOOKUP_MAX)
		return false;
	for (i = 0; i < ARRAY_SIZE(req->__reserved); i++)
		if (req->__reserved[i])
			return false;
	return true;
}

/**
 * loopx_lookup() - LOOPX_CTL_LOOKUP
 * @argp: the caller's struct loopx_lookup
 *
 * Return: 0, -EINVAL for flags, reserved words or a @max out of range,
 * -EFAULT for a bad pointer, -ENOMEM.
 */
int loopx_lookup(struct loopx_lookup __user *argp)
{
	struct loopx_lookup req;
	struct loopx_device *lo;
	u32 room, count = 0;
	s32 *found = NULL;
	int ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!loopx_lookup_valid(&req))
		return -EINVAL;
	room = req.indices ? req.max : 0;
	if (room) {
		found = kmalloc_array(room, sizeof(*found), GFP_KERNEL);
		if (!found)
			return -ENOMEM;
	}

	spin_lock(&loopx_by_file_lock);
	hash_for_each_possible(loopx_by_file, lo, file_node,
			       loopx_key_hash(req.dev, req.ino)) {
		if (lo->file_key.dev != req.dev || lo->file_key.ino != req.ino)
			continue;
		if (count < room)
			found[count] = lo->index;
		count++;
	}
	spin_unlock(&loopx_by_file_lock);

	room = min(room, count);
	sort(found, room, sizeof(*found), loopx_cmp_index, NULL);
	if (room && copy_to_user(u64_to_user_ptr(req.indices), found,
				 room * sizeof(*found)))
		ret = -EFAULT;
	else if (put_user(count, &argp->count))
		ret = -EFAULT;
	kfree(found);
	return ret;
}
