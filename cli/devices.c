// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device discovery for loopx: native (loopxN) and compat or stock (loopN)
 * devices are handled alike, so the tool works on either driver.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include "devices.h"
#include "ops.h"

#define SYS_BLOCK		"/sys/block"
#define CTL_NATIVE		"/dev/loopx-control"
#define CTL_COMPAT		"/dev/loop-control"

/* devtmpfs is normally instant, udev may take a moment after an add. */
#define NODE_WAIT_MS		2000
#define NODE_POLL_MS		10

static const char * const family_prefix[] = {
	[LX_FAMILY_LOOP] = "loop",
	[LX_FAMILY_LOOPX] = "loopx",
};

static int is_blockdev(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode);
}

const char *dev_control_path(enum lx_family *family)
{
	struct stat st;

	if (!stat(CTL_NATIVE, &st)) {
		*family = LX_FAMILY_LOOPX;
		return CTL_NATIVE;
	}
	if (!stat(CTL_COMPAT, &st)) {
		*family = LX_FAMILY_LOOP;
		return CTL_COMPAT;
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Name @dev after device @idx of @family and wait for its node. */
static int dev_from_index(enum lx_family family, int idx, struct lx_dev *dev)
{
	int waited;

	snprintf(dev->name, sizeof(dev->name), "%s%d",
		 family_prefix[family], idx);
	snprintf(dev->path, sizeof(dev->path), "/dev/%s", dev->name);

	/* The driver may just have created the disk; let the node appear. */
	for (waited = 0; !is_blockdev(dev->path); waited += NODE_POLL_MS) {
		if (waited >= NODE_WAIT_MS)
			return -ENOENT;
		sleep_ms(NODE_POLL_MS);
	}
	return 0;
}

int dev_find_free(struct lx_dev *dev)
{
	enum lx_family family;
	const char *ctl = dev_control_path(&family);
	int fd, idx;

	if (!ctl)
		return -ENOENT;
	fd = ops_open(ctl, O_RDWR);
	if (fd < 0)
		return fd;
	idx = ops_ctl_get_free(fd);
	ops_close(fd);
	if (idx < 0)
		return idx;
	return dev_from_index(family, idx, dev);
}

/* Whether the module parameter file @path reads Y. */
static int param_is_yes(const char *path)
{
	char val[4] = "";
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(val, sizeof(val), f))
		val[0] = '\0';
	fclose(f);
	return val[0] == 'Y';
}

/*
 * Is loopx behind the control node of @family, or stock loop?  loopx.ko
 * with compat=1, or the drop-in module named loop, which stock loop is
 * not: it has no compat parameter.
 */
static int ctl_is_loopx(enum lx_family family)
{
	if (family == LX_FAMILY_LOOPX)
		return 1;
	return param_is_yes("/sys/module/loopx/parameters/compat") ||
	       param_is_yes("/sys/module/loop/parameters/compat");
}

int dev_ctl_bind(const char *devarg, const struct loop_config *cfg,
		 const struct loopx_crypt *crypt, const char *tag, int ro,
		 unsigned int flags, struct lx_dev *dev)
{
	enum lx_family family, want;
	const char *ctl = dev_control_path(&family);
	unsigned int idx;
	int index = -1;
	int fd, ret;

	if (!ctl || !ctl_is_loopx(family))
		return -ENOTTY;
	if (devarg) {
		dev_from_arg(devarg, dev);
		if (parse_devname(dev->name, &want, &idx) || want != family ||
		    idx > INT_MAX)
			return -ENOTTY;
		index = (int)idx;
	}
	/* the control node's open mode stands for the device's */
	fd = ops_open(ctl, ro ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return -ENOTTY;
	/* a loopx from before LOOPX_CTL_CONFIGURE answers ENOTTY */
	ret = ops_ctl_configure(fd, index, flags, cfg, crypt, tag);
	ops_close(fd);
	if (ret < 0)
		return ret;
	return dev_from_index(family, ret, dev);
}

/* Find the /sys/block name of block device node @path, if it is one. */
static int sysfs_name_of(const char *path, char *name, size_t size)
{
	char link[64], target[PATH_MAX];
	struct stat st;
	const char *base;
	ssize_t len;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return -ENODEV;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	base = strrchr(target, '/');
	str_copy(name, size, base ? base + 1 : target);
	return 0;
}

void dev_from_arg(const char *arg, struct lx_dev *dev)
{
	enum lx_family family;
	unsigned int idx;
	const char *base;

	if (strchr(arg, '/'))
		str_copy(dev->path, sizeof(dev->path), arg);
	else
		snprintf(dev->path, sizeof(dev->path), "/dev/%s", arg);

	/*
	 * The node's numbers are authoritative (it may be a symlink or live
	 * outside /dev); the file name is only a guess for missing nodes.
	 */
	if (!sysfs_name_of(dev->path, dev->name, sizeof(dev->name)))
		return;
	base = strrchr(dev->path, '/') + 1;
	if (!parse_devname(base, &family, &idx))
		str_copy(dev->name, sizeof(dev->name), base);
	else
		dev->name[0] = '\0';
}

static int has_loop_dir(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/loop", name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int compare_names(const void *a, const void *b)
{
	const struct lx_dev *da = a, *db = b;
	enum lx_family fa = LX_FAMILY_LOOP, fb = LX_FAMILY_LOOP;
	unsigned int ia = 0, ib = 0;

	parse_devname(da->name, &fa, &ia);
	parse_devname(db->name, &fb, &ib);
	if (fa != fb)
		return fa < fb ? -1 : 1;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return 0;
}

/* Name @dev after device @idx of @family, without waiting for its node. */
static void dev_name_index(enum lx_family family, int idx, struct lx_dev *dev)
{
	snprintf(dev->name, sizeof(dev->name), "%s%d",
		 family_prefix[family], idx);
	snprintf(dev->path, sizeof(dev->path), "/dev/%s", dev->name);
}

/* Append the devices one control node says hold @fst (or carry @tag). */
static int lookup_one(const char *ctl, enum lx_family family,
		      const struct stat *fst, const char *tag,
		      struct lx_dev **list, size_t *count)
{
	static __s32 idx[LOOPX_LOOKUP_MAX];
	struct lx_dev *grown;
	int fd, n, i;

	fd = ops_open(ctl, O_RDONLY);
	if (fd < 0)
		return fd;
	n = ops_ctl_lookup(fd, fst ? fst->st_dev : 0, fst ? fst->st_ino : 0,
			   fst ? NULL : tag, idx, LOOPX_LOOKUP_MAX);
	ops_close(fd);
	if (n <= 0)
		return n;
	/* more than one answer holds: let the scan find them all */
	if (n > LOOPX_LOOKUP_MAX)
		return -E2BIG;
	grown = realloc(*list, (*count + n) * sizeof(**list));
	if (!grown)
		return -ENOMEM;
	*list = grown;
	for (i = 0; i < n; i++)
		dev_name_index(family, idx[i], &grown[(*count)++]);
	return 0;
}

int dev_list_holding(const struct stat *fst, const char *tag,
		     struct lx_dev **devs)
{
	static const struct {
		const char *ctl;
		enum lx_family family;
	} nodes[] = {
		{ CTL_NATIVE, LX_FAMILY_LOOPX },
		{ CTL_COMPAT, LX_FAMILY_LOOP },
	};
	struct lx_dev *list = NULL;
	size_t count = 0, i;
	int ret, asked = 0;
	struct stat st;

	*devs = NULL;
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		if (stat(nodes[i].ctl, &st))
			continue;
		ret = lookup_one(nodes[i].ctl, nodes[i].family, fst, tag,
				 &list, &count);
		if (ret < 0) {
			free(list);
			return ret;
		}
		asked = 1;
	}
	/* no control node to ask: whatever devices there are, scan them */
	if (!asked)
		return -ENOENT;
	if (count)
		qsort(list, count, sizeof(*list), compare_names);
	*devs = list;
	return (int)count;
}

int dev_list_bound(struct lx_dev **devs)
{
	struct lx_dev *list = NULL, *grown;
	size_t count = 0, alloc = 0;
	enum lx_family family;
	struct dirent *de;
	unsigned int idx;
	DIR *dir;

	*devs = NULL;
	dir = opendir(SYS_BLOCK);
	if (!dir)
		return -errno;

	while ((de = readdir(dir))) {
		if (parse_devname(de->d_name, &family, &idx) ||
		    !has_loop_dir(de->d_name))
			continue;
		if (count == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			grown = realloc(list, alloc * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		str_copy(list[count].name, sizeof(list[count].name),
			 de->d_name);
		snprintf(list[count].path, sizeof(list[count].path),
			 "/dev/%s", de->d_name);
		count++;
	}
	closedir(dir);

	if (count)
		qsort(list, count, sizeof(*list), compare_names);
	*devs = list;
	return (int)count;
}

/* Read one sysfs attribute below /sys/block/<name>, minus its newline. */
static int sysfs_read(const struct lx_dev *dev, const char *attr,
		      char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t len;
	int fd;

	if (!dev->name[0])
		return -ENOENT;
	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", dev->name, attr);
	fd = ops_open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	len = read(fd, buf, size - 1);
	if (len < 0)
		len = -errno;
	ops_close(fd);
	if (len < 0)
		return (int)len;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static int sysfs_u64(const struct lx_dev *dev, const char *attr, __u64 *val)
{
	char buf[32], *end;
	unsigned long long v;

	if (sysfs_read(dev, attr, buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

/* A sysfs boolean when available, else the LO_FLAGS_* bit @flag. */
static int flag_value(const struct lx_dev *dev, const struct lx_state *st,
		      const char *attr, __u32 flag)
{
	__u64 v;

	if (!sysfs_u64(dev, attr, &v))
		return v != 0;
	return st->have_info && (st->info.lo_flags & flag);
}

static void fill_backing(const struct lx_dev *dev, struct lx_state *st)
{
	size_t len;

	if (!sysfs_read(dev, "loop/backing_file", st->backing,
			sizeof(st->backing)) && st->backing[0])
		return;
	st->backing[0] = '\0';
	if (!st->have_info)
		return;
	len = strnlen((const char *)st->info.lo_file_name, LO_NAME_SIZE);
	memcpy(st->backing, st->info.lo_file_name,
	       len < LO_NAME_SIZE ? len : LO_NAME_SIZE - 1);
	st->backing[len < LO_NAME_SIZE ? len : LO_NAME_SIZE - 1] = '\0';
	/* A full buffer was most likely cut short: say so, as losetup does. */
	if (len >= LO_NAME_SIZE - 1)
		st->backing[LO_NAME_SIZE - 2] = '*';
}

static void fill_rdev(const struct lx_dev *dev, struct lx_state *st)
{
	struct stat sb;
	char buf[32], *colon, *end;
	unsigned long maj, min;

	if (!stat(dev->path, &sb) && S_ISBLK(sb.st_mode)) {
		st->major = major(sb.st_rdev);
		st->minor = minor(sb.st_rdev);
		st->have_rdev = 1;
		return;
	}
	if (sysfs_read(dev, "dev", buf, sizeof(buf)))
		return;
	colon = strchr(buf, ':');
	if (!colon)
		return;
	maj = strtoul(buf, &end, 10);
	if (end != colon)
		return;
	min = strtoul(colon + 1, &end, 10);
	if (*end)
		return;
	st->major = (unsigned int)maj;
	st->minor = (unsigned int)min;
	st->have_rdev = 1;
}

int dev_query(const struct lx_dev *dev, struct lx_state *st)
{
	int fd, err = 0, in_sysfs;
	unsigned int ssz = 0;
	__u64 v;

	memset(st, 0, sizeof(*st));
	fd = ops_open(dev->path, O_RDONLY);
	if (fd >= 0) {
		err = ops_get_status(fd, &st->info);
		st->have_info = !err;
		if (ops_get_sector_size(fd, &ssz))
			ssz = 0;
		ops_close(fd);
	} else {
		err = fd;
	}

	/*
	 * Without the ioctl (no permission to open the node, say) sysfs alone
	 * still tells whether the device is bound, but ENXIO from the driver
	 * is the definitive "not bound".
	 */
	in_sysfs = dev->name[0] && has_loop_dir(dev->name);
	if (!st->have_info && (!in_sysfs || err == -ENXIO))
		return err ? err : -ENXIO;

	fill_backing(dev, st);
	if (!sysfs_u64(dev, "loop/offset", &v))
		st->offset = v;
	else if (st->have_info)
		st->offset = st->info.lo_offset;
	if (!sysfs_u64(dev, "loop/sizelimit", &v))
		st->sizelimit = v;
	else if (st->have_info)
		st->sizelimit = st->info.lo_sizelimit;

	st->autoclear = flag_value(dev, st, "loop/autoclear",
				   LO_FLAGS_AUTOCLEAR);
	st->partscan = flag_value(dev, st, "loop/partscan", LO_FLAGS_PARTSCAN);
	st->dio = flag_value(dev, st, "loop/dio", LO_FLAGS_DIRECT_IO);
	st->ro = flag_value(dev, st, "ro", LO_FLAGS_READ_ONLY);

	if (!sysfs_u64(dev, "queue/logical_block_size", &v))
		st->log_sec = (unsigned int)v;
	else
		st->log_sec = ssz;

	if (!sysfs_u64(dev, "diskseq", &v))
		st->diskseq = v;
	if (sysfs_read(dev, "loopx/tag", st->tag, sizeof(st->tag)))
		st->tag[0] = '\0';

	fill_rdev(dev, st);
	return 0;
}

int dev_state_matches(const struct lx_state *st, const struct stat *fst,
		      const char *file, int use_offset, __u64 offset)
{
	char canon[PATH_MAX];
	int found;

	if (fst && st->have_info) {
		/* Like losetup: with numbers to compare, names don't count. */
		found = st->info.lo_device == (__u64)fst->st_dev &&
			st->info.lo_inode == (__u64)fst->st_ino;
	} else {
		found = !strcmp(st->backing, file) ||
			(realpath(file, canon) && !strcmp(st->backing, canon));
	}
	if (found && use_offset)
		found = st->offset == offset;
	return found;
}
