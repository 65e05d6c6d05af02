// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which devices hold a file or carry a tag (LOOPX_CTL_LOOKUP): an index of
 * the bound devices by the device and inode numbers of their backing files,
 * and one by the tags their bindings were given.
 *
 * The numbers are those stat(2) gives for the file, so a file is found
 * under any name it has: a symlink, a bind mount, another mount namespace.
 * They are taken before the device's locks, as a getattr may sleep in the
 * backing filesystem; a device enters the index when it is bound, and
 * leaves it when it is unbound or its file is changed, under lo->lock.
 */
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "loopx.h"

static DEFINE_HASHTABLE(loopx_by_file, 8);
static DEFINE_HASHTABLE(loopx_by_tag, 8);
/*
 * Guards both indexes and lo->tag. Innermost: binders take it under
 * lo->lock, lookups and sysfs alone.
 */
static DEFINE_SPINLOCK(loopx_index_lock);

static u64 loopx_key_hash(u64 dev, u64 ino)
{
	return ino ^ (dev << 32 | dev >> 32);
}

static u32 loopx_tag_hash(const char *tag)
{
	return jhash(tag, strlen(tag), 0);
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
	spin_lock(&loopx_index_lock);
	hash_add(loopx_by_file, &lo->file_node,
		 loopx_key_hash(key->dev, key->ino));
	spin_unlock(&loopx_index_lock);
}

/**
 * loopx_index_del() - undo loopx_index_add()
 * @lo: the device; lo->lock held
 */
void loopx_index_del(struct loopx_device *lo)
{
	if (!lo->file_key.valid)
		return;
	spin_lock(&loopx_index_lock);
	hash_del(&lo->file_node);
	spin_unlock(&loopx_index_lock);
	lo->file_key.valid = false;
}

/**
 * loopx_tag_from_user() - copy in a tag as the configure ioctls pass it
 * @uptr: the caller's pointer, 0 for no tag
 * @len: the tag's length in bytes, without a NUL; 0 for no tag
 *
 * The tag is one line in sysfs and a C string in the index: a NUL or a
 * newline in it would make it read back as something else.
 *
 * Return: the tag, NUL-terminated, for the caller to kfree(); NULL for no
 * tag; ERR_PTR(-EINVAL) for a pointer without a length or a length without
 * a pointer, a length over LOOPX_TAG_MAX, or a NUL or newline in the tag;
 * ERR_PTR(-EFAULT) or ERR_PTR(-ENOMEM).
 */
char *loopx_tag_from_user(u64 uptr, u32 len)
{
	char *tag;

	if (!uptr && !len)
		return NULL;
	if (!uptr || !len || len > LOOPX_TAG_MAX)
		return ERR_PTR(-EINVAL);
	tag = memdup_user_nul(u64_to_user_ptr(uptr), len);
	if (IS_ERR(tag))
		return tag;
	if (strlen(tag) != len || strchr(tag, '\n')) {
		kfree(tag);
		return ERR_PTR(-EINVAL);
	}
	return tag;
}

/**
 * loopx_tag_set() - give a binding its tag and make it findable by it
 * @lo: the device, just bound; lo->lock held
 * @tag: from kstrdup() or loopx_tag_from_user(); the device keeps it
 */
void loopx_tag_set(struct loopx_device *lo, char *tag)
{
	spin_lock(&loopx_index_lock);
	lo->tag = tag;
	hash_add(loopx_by_tag, &lo->tag_node, loopx_tag_hash(tag));
	spin_unlock(&loopx_index_lock);
}

/**
 * loopx_tag_clear() - undo loopx_tag_set(), if the binding had a tag
 * @lo: the device, being unbound; lo->lock held
 */
void loopx_tag_clear(struct loopx_device *lo)
{
	char *tag;

	spin_lock(&loopx_index_lock);
	tag = lo->tag;
	if (tag)
		hash_del(&lo->tag_node);
	lo->tag = NULL;
	spin_unlock(&loopx_index_lock);
	kfree(tag);
}

/**
 * loopx_tag_show() - the tag for sysfs
 * @lo: the device
 * @buf: sysfs's page
 *
 * Return: the length of "<tag>\n", or of an empty line without a tag.
 */
ssize_t loopx_tag_show(struct loopx_device *lo, char *buf)
{
	ssize_t len;

	spin_lock(&loopx_index_lock);
	len = sysfs_emit(buf, "%s\n", lo->tag ? lo->tag : "");
	spin_unlock(&loopx_index_lock);
	return len;
}

static int loopx_cmp_index(const void *a, const void *b)
{
	s32 x = *(const s32 *)a, y = *(const s32 *)b;

	return x < y ? -1 : x > y;
}

static void loopx_note_found(s32 *found, u32 room, u32 *count, s32 index)
{
	if (*count < room)
		found[*count] = index;
	(*count)++;
}

static bool loopx_lookup_valid(const struct loopx_lookup *req)
{
	unsigned int i;

	if ((req->flags & ~LOOPX_LOOKUP_ALL) || req->max > LOOPX_LOOKUP_MAX)
		return false;
	if (req->flags & LOOPX_LOOKUP_TAG) {
		if (req->dev || req->ino || !req->tag_len)
			return false;
	} else if (req->tag || req->tag_len) {
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(req->__reserved); i++)
		if (req->__reserved[i])
			return false;
	return true;
}

/**
 * loopx_lookup() - LOOPX_CTL_LOOKUP
 * @argp: the caller's struct loopx_lookup
 *
 * Return: 0, -EINVAL for flags, reserved words, a @max out of range or a
 * tag no binding can carry, -EFAULT for a bad pointer, -ENOMEM.
 */
int loopx_lookup(struct loopx_lookup __user *argp)
{
	struct loopx_lookup req;
	struct loopx_device *lo;
	u32 room, count = 0;
	s32 *found = NULL;
	char *tag = NULL;
	int ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!loopx_lookup_valid(&req))
		return -EINVAL;
	if (req.flags & LOOPX_LOOKUP_TAG) {
		tag = loopx_tag_from_user(req.tag, req.tag_len);
		if (IS_ERR(tag))
			return PTR_ERR(tag);
	}
	room = req.indices ? req.max : 0;
	if (room) {
		found = kmalloc_array(room, sizeof(*found), GFP_KERNEL);
		if (!found) {
			kfree(tag);
			return -ENOMEM;
		}
	}

	spin_lock(&loopx_index_lock);
	if (tag) {
		hash_for_each_possible(loopx_by_tag, lo, tag_node,
				       loopx_tag_hash(tag))
			if (!strcmp(lo->tag, tag))
				loopx_note_found(found, room, &count, lo->index);
	} else {
		hash_for_each_possible(loopx_by_file, lo, file_node,
				       loopx_key_hash(req.dev, req.ino))
			if (lo->file_key.dev == req.dev &&
			    lo->file_key.ino == req.ino)
				loopx_note_found(found, room, &count, lo->index);
	}
	spin_unlock(&loopx_index_lock);
	kfree(tag);

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
