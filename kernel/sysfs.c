// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/block/<disk>/loop/: loop's attribute names, present exactly while a
 * file is bound, because tools test the directory to tell bound from free.
 *
 * The group is removed while lo->lock is held, and removal waits for readers
 * that are inside a show method: so no show method may take lo->lock. They
 * read single values with READ_ONCE and the file under lo->file_lock.
 */
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/file.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "loopx.h"

static struct loopx_device *loopx_from_dev(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t backing_file_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct loopx_device *lo = loopx_from_dev(dev);
	struct file *file;
	ssize_t len;
	char *path;

	spin_lock(&lo->file_lock);
	file = lo->file;
	if (file)
		get_file(file);
	spin_unlock(&lo->file_lock);
	if (!file)
		return -ENXIO;

	path = file_path(file, buf, PAGE_SIZE - 1);
	if (IS_ERR(path)) {
		len = PTR_ERR(path);
	} else {
		len = strlen(path);
		memmove(buf, path, len);
		buf[len++] = '\n';
	}
	fput(file);
	return len;
}

static ssize_t offset_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)READ_ONCE(loopx_from_dev(dev)->offset));
}

static ssize_t sizelimit_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)READ_ONCE(loopx_from_dev(dev)->sizelimit));
}

static ssize_t loopx_flag_show(struct device *dev, char *buf, u32 flag)
{
	return sysfs_emit(buf, "%d\n",
			  !!(READ_ONCE(loopx_from_dev(dev)->flags) & flag));
}

static ssize_t autoclear_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return loopx_flag_show(dev, buf, LO_FLAGS_AUTOCLEAR);
}

static ssize_t partscan_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return loopx_flag_show(dev, buf, LO_FLAGS_PARTSCAN);
}

static ssize_t dio_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return loopx_flag_show(dev, buf, LO_FLAGS_DIRECT_IO);
}

/* The reason, and the errno behind it by name: "...: EINVAL". */
static ssize_t dio_reason_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct loopx_device *lo = loopx_from_dev(dev);
	const char *reason = READ_ONCE(lo->dio_reason);
	int err = READ_ONCE(lo->dio_err);
	char name[24];

	if (!err)
		return sysfs_emit(buf, "%s\n", reason);
	snprintf(name, sizeof(name), "%pe", ERR_PTR(err));
	return sysfs_emit(buf, "%s: %s\n", reason, name + (name[0] == '-'));
}

/* The cipher, never the key; empty without a transform. */
static ssize_t encryption_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	char name[LO_NAME_SIZE];

	loopx_xfer_name(loopx_from_dev(dev), name);
	return sysfs_emit(buf, "%s\n", name);
}

static DEVICE_ATTR_RO(backing_file);
static DEVICE_ATTR_RO(offset);
static DEVICE_ATTR_RO(sizelimit);
static DEVICE_ATTR_RO(autoclear);
static DEVICE_ATTR_RO(partscan);
static DEVICE_ATTR_RO(dio);
static DEVICE_ATTR_RO(dio_reason);
static DEVICE_ATTR_RO(encryption);

static struct attribute *loopx_attrs[] = {
	&dev_attr_backing_file.attr,
	&dev_attr_offset.attr,
	&dev_attr_sizelimit.attr,
	&dev_attr_autoclear.attr,
	&dev_attr_partscan.attr,
	&dev_attr_dio.attr,
	&dev_attr_dio_reason.attr,
	&dev_attr_encryption.attr,
	NULL,
};

static const struct attribute_group loopx_attr_group = {
	.name	= "loop",
	.attrs	= loopx_attrs,
};

/*
 * /sys/block/<disk>/loopx/: loopx's own settings, present for the whole
 * life of the disk. Their store methods may take lo->lock, because this
 * group is only removed by del_gendisk(), never under that lock.
 */
static ssize_t nr_hw_queues_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(loopx_from_dev(dev)->bound_hw_queues));
}

/*
 * Sets the hardware queues the next binding gets. An unbound device has
 * one whatever this says (queues.c); mq/ shows the count in use.
 */
static ssize_t nr_hw_queues_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct loopx_device *lo = loopx_from_dev(dev);
	unsigned int nr;
	int ret;

	ret = kstrtouint(buf, 0, &nr);
	if (ret)
		return ret;
	if (!nr || nr > nr_cpu_ids)
		return -EINVAL;
	if (mutex_lock_killable(&lo->lock))
		return -EINTR;
	if (lo->state != LOOPX_UNBOUND)
		ret = -EBUSY;
	else
		WRITE_ONCE(lo->bound_hw_queues, nr);
	mutex_unlock(&lo->lock);
	return ret ?: count;
}

static DEVICE_ATTR_RW(nr_hw_queues);

/* The binding's tag (LOOPX_CTL_CONFIGURE); an empty line without one. */
static ssize_t tag_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return loopx_tag_show(loopx_from_dev(dev), buf);
}

static DEVICE_ATTR_RO(tag);

/* The cgroups that have a worker of their own on the device now. */
static ssize_t cgroup_workers_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  loopx_cg_workers_count(loopx_from_dev(dev)));
}

static DEVICE_ATTR_RO(cgroup_workers);

static struct attribute *loopx_disk_attrs[] = {
	&dev_attr_nr_hw_queues.attr,
	&dev_attr_tag.attr,
	&dev_attr_cgroup_workers.attr,
	NULL,
};

static const struct attribute_group loopx_disk_group = {
	.name	= "loopx",
	.attrs	= loopx_disk_attrs,
};

/* Passed to device_add_disk(): they appear together with the disk. */
const struct attribute_group *loopx_disk_groups[] = {
	&loopx_disk_group,
	NULL,
};

/**
 * loopx_sysfs_add() - create /sys/block/<disk>/loop/ at bind time
 * @lo: the device
 *
 * Return: 0 or a negative errno.
 */
int loopx_sysfs_add(struct loopx_device *lo)
{
	int ret = sysfs_create_group(&disk_to_dev(lo->disk)->kobj,
				     &loopx_attr_group);

	lo->sysfs_added = !ret;
	return ret;
}

/**
 * loopx_sysfs_remove() - remove it at unbind time
 * @lo: the device
 */
void loopx_sysfs_remove(struct loopx_device *lo)
{
	if (lo->sysfs_added)
		sysfs_remove_group(&disk_to_dev(lo->disk)->kobj,
				   &loopx_attr_group);
	lo->sysfs_added = false;
}
