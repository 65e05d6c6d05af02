// SPDX-License-Identifier: GPL-2.0-only
/*
 * loopx actions: attach, detach, resize, modify and show loop devices.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "actions.h"
#include <linux/loopx.h>
#include "devices.h"
#include "msg.h"
#include "ops.h"
#include "parse.h"

/*
 * How often to go back to LOOP_CTL_GET_FREE when another process grabs
 * the device between that and LOOP_CONFIGURE.
 */
#define FIND_RETRIES	16

/*
 * Open the backing file read-write unless asked not to; a read-only file
 * or file system silently gives a read-only device, as with losetup.
 */
static int open_backing(const char *file, int *ro)
{
	int fd;

	if (*ro)
		return ops_open(file, O_RDONLY);
	fd = ops_open(file, O_RDWR);
	if (fd == -EROFS || fd == -EACCES) {
		fd = ops_open(file, O_RDONLY);
		if (fd >= 0) {
			*ro = 1;
			lx_note("%s: write access denied, using read-only",
				file);
		}
	}
	return fd;
}

/* The name the kernel reports in lo_file_name: absolute, no symlinks. */
static void absolute_name(const char *file, char *buf, size_t size)
{
	char canon[PATH_MAX], cwd[PATH_MAX];

	if (realpath(file, canon))
		str_copy(buf, size, canon);
	else if (file[0] == '/' || !getcwd(cwd, sizeof(cwd)) ||
		 snprintf(buf, size, "%s/%s", cwd, file) >= (int)size)
		str_copy(buf, size, file);
}

/* LOOP_CONFIGURE arrived in 5.8; before, unknown ioctls gave EINVAL. */
static int kernel_before_5_8(void)
{
	struct utsname u;
	unsigned long maj, min;
	char *end;

	if (uname(&u))
		return 0;
	maj = strtoul(u.release, &end, 10);
	if (*end != '.')
		return 0;
	min = strtoul(end + 1, &end, 10);
	return maj < 5 || (maj == 5 && min < 8);
}

/* The pre-5.8 way: bind first, then configure, undoing on failure. */
static int legacy_setup(int dfd, const struct loop_config *cfg)
{
	struct loop_info64 info = cfg->info;
	int ret;

	ret = ops_set_fd(dfd, (int)cfg->fd);
	if (ret)
		return ret;
	/* read-only comes from the fd mode; direct I/O has its own ioctl */
	info.lo_flags &= LOOP_SET_STATUS_SETTABLE_FLAGS;
	ret = ops_set_status(dfd, &info);
	if (!ret && cfg->block_size)
		ret = ops_set_block_size(dfd, cfg->block_size);
	if (!ret && (cfg->info.lo_flags & LO_FLAGS_DIRECT_IO))
		ret = ops_set_direct_io(dfd, 1);
	if (ret)
		ops_clr_fd(dfd);
	return ret;
}

static int configure(int dfd, const struct loop_config *cfg)
{
	int ret = ops_configure(dfd, cfg);

	if (ret == -ENOTTY || (ret == -EINVAL && kernel_before_5_8())) {
		lx_note("LOOP_CONFIGURE unsupported, using LOOP_SET_FD");
		ret = legacy_setup(dfd, cfg);
	}
	return ret;
}

/*
 * losetup warns about sizes the block layer will round down; the
 * device is usable either way, so this is only a hint.
 */
static void warn_size(const char *file, const struct stat *st,
		      const struct lx_opts *o)
{
	__u64 size = o->sizelimit;

	if (S_ISREG(st->st_mode)) {
		__u64 avail = (__u64)st->st_size > o->offset ?
			(__u64)st->st_size - o->offset : 0;

		if (!size || size > avail)
			size = avail;
	} else if (!size) {
		return;
	}

	if (size < 512)
		lx_warnx("%s: %s", file,
			 "warning: file is smaller than 512 bytes; the loop device may be useless or invisible for system tools");
	else if (size % 512)
		lx_warnx("%s: %s", file,
			 "warning: size is not a multiple of 512 bytes; the end of the file will be ignored");
}

static void fill_config(struct loop_config *cfg, const struct lx_opts *o,
			int ffd, int ro, const char *file)
{
	char name[PATH_MAX];

	memset(cfg, 0, sizeof(*cfg));
	cfg->fd = (__u32)ffd;
	cfg->block_size = o->use_bsize ? o->bsize : 0;
	cfg->info.lo_offset = o->offset;
	cfg->info.lo_sizelimit = o->sizelimit;
	if (ro)
		cfg->info.lo_flags |= LO_FLAGS_READ_ONLY;
	if (o->partscan)
		cfg->info.lo_flags |= LO_FLAGS_PARTSCAN;
	if (o->set_dio && o->dio_on)
		cfg->info.lo_flags |= LO_FLAGS_DIRECT_IO;

	/* Informational only and truncated; sysfs has the full path. */
	absolute_name(file, name, sizeof(name));
	str_copy((char *)cfg->info.lo_file_name, LO_NAME_SIZE, name);
}

/*
 * The driver may enable direct I/O on its own (loopx can default to it),
 * so --direct-io=off has to be enforced after the fact.
 */
static int force_dio_off(int dfd)
{
	struct loop_info64 info;
	int ret;

	ret = ops_get_status(dfd, &info);
	if (!ret && (info.lo_flags & LO_FLAGS_DIRECT_IO))
		ret = ops_set_direct_io(dfd, 0);
	return ret;
}

/*
 * Bind @cfg to @devarg or to a free device; fills @dev and returns the
 * open device fd, or -1 after reporting the error.
 */
static int bind_device(const char *devarg, const struct loop_config *cfg,
		       int ro, struct lx_dev *dev)
{
	int dfd, ret, tries;

	for (tries = 1; ; tries++) {
		if (devarg) {
			dev_from_arg(devarg, dev);
		} else {
			ret = dev_find_free(dev);
			if (ret) {
				lx_err(NULL, "cannot find a free device", ret);
				return -1;
			}
			lx_note("%s: found free device", dev->path);
		}

		dfd = ops_open(dev->path, ro ? O_RDONLY : O_RDWR);
		if (dfd < 0) {
			lx_err(dev->path, "cannot open", dfd);
			return -1;
		}
		ret = configure(dfd, cfg);
		if (!ret)
			return dfd;
		ops_close(dfd);
		if (ret != -EBUSY || devarg || tries >= FIND_RETRIES)
			break;
		lx_note("%s: taken by someone else, retrying", dev->path);
	}
	lx_err(dev->path, "cannot set up", ret);
	return -1;
}

/*
 * The classic way: open the device node and LOOP_CONFIGURE it. Closing a
 * node opened for writing makes udev re-read the partition table, so the
 * partitions just scanned vanish and come back; the control node's
 * LOOPX_CTL_CONFIGURE (dev_ctl_bind()) avoids that where loopx offers it.
 */
static int attach_by_node(const struct lx_opts *o, const char *devarg,
			  const struct loop_config *cfg, int ro,
			  struct lx_dev *dev)
{
	int dfd, ret;

	dfd = bind_device(devarg, cfg, ro, dev);
	if (dfd < 0)
		return -1;

	if (o->set_dio && !o->dio_on) {
		ret = force_dio_off(dfd);
		if (ret) {
			/* half a setup is worse than none */
			lx_err(dev->path, "cannot disable direct I/O", ret);
			ops_clr_fd(dfd);
			ops_close(dfd);
			return -1;
		}
	}
	ops_close(dfd);
	return 0;
}

/*
 * --encryption and --key-file: the transform and its key, read raw from the
 * file as cryptsetup's plain mode reads a key file. Returns 0 or 1 after
 * saying what is wrong.
 */
static int fill_transfer(struct loop_config *cfg, const struct lx_opts *o)
{
	struct loop_info64 *info = &cfg->info;
	unsigned char extra;
	ssize_t len;
	int fd;

	if (!o->encryption || o->key_desc)
		return 0;
	if (!strcmp(o->encryption, "xor")) {
		info->lo_encrypt_type = LO_CRYPT_XOR;
	} else {
		info->lo_encrypt_type = LO_CRYPT_CRYPTOAPI;
		if (str_copy((char *)info->lo_crypt_name, LO_NAME_SIZE,
			     o->encryption) >= LO_NAME_SIZE) {
			lx_warnx("%s: cipher name longer than %d bytes",
				 o->encryption, LO_NAME_SIZE - 1);
			return 1;
		}
	}
	fd = open(o->key_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lx_err(o->key_file, "cannot open the key file", -errno);
		return 1;
	}
	len = read(fd, info->lo_encrypt_key, LO_KEY_SIZE);
	if (len == LO_KEY_SIZE && read(fd, &extra, 1) > 0)
		len = LO_KEY_SIZE + 1;
	close(fd);
	if (len < 1 || len > LO_KEY_SIZE) {
		explicit_bzero(info->lo_encrypt_key, LO_KEY_SIZE);
		lx_warnx("%s: a key file must hold 1 to %d bytes (longer keys: use dm-crypt)",
			 o->key_file, LO_KEY_SIZE);
		return 1;
	}
	info->lo_encrypt_key_size = (__u32)len;
	return 0;
}

/*
 * --encryption with --key-desc: struct loopx_crypt names the keyring key as
 * dm-crypt would (:<size>:logon:<desc>); -b 4096 makes the data units 4096
 * bytes, as dm-crypt's sector_size:4096. Returns 0 or 1 after saying why.
 */
static int fill_crypt(struct loopx_crypt *crypt, const struct lx_opts *o)
{
	int n;

	memset(crypt, 0, sizeof(*crypt));
	if (!strcmp(o->encryption, "xor")) {
		lx_warnx("xor: takes its key from --key-file only");
		return 1;
	}
	if (str_copy(crypt->cipher, LO_NAME_SIZE, o->encryption) >=
	    LO_NAME_SIZE) {
		lx_warnx("%s: cipher name longer than %d bytes", o->encryption,
			 LO_NAME_SIZE - 1);
		return 1;
	}
	n = snprintf(crypt->key, sizeof(crypt->key), ":%u:logon:%s",
		     o->key_size ? o->key_size : 64, o->key_desc);
	if (n < 0 || (size_t)n >= sizeof(crypt->key)) {
		lx_warnx("%s: key description too long", o->key_desc);
		return 1;
	}
	if (o->use_bsize && o->bsize == 4096)
		crypt->flags |= LOOPX_CRYPT_UNIT_4K;
	return 0;
}

int act_attach(const struct lx_opts *o, const char *devarg,
	       const char *file)
{
	struct loopx_crypt crypt, *cryptp = NULL;
	unsigned int xflags = 0;
	struct loop_config cfg;
	struct lx_dev dev;
	struct stat st;
	int ffd, ret, ro = o->read_only;

	ffd = open_backing(file, &ro);
	if (ffd < 0) {
		lx_err(file, "cannot open", ffd);
		return 1;
	}
	if (fstat(ffd, &st)) {
		lx_err(file, "cannot stat", -errno);
		ops_close(ffd);
		return 1;
	}
	fill_config(&cfg, o, ffd, ro, file);
	if (o->key_desc) {
		if (fill_crypt(&crypt, o)) {
			ops_close(ffd);
			return 1;
		}
		cryptp = &crypt;
	}
	if (fill_transfer(&cfg, o)) {
		ops_close(ffd);
		return 1;
	}
	if (o->set_dio && !o->dio_on)
		xflags |= LOOPX_CONFIG_BUFFERED;

	ret = dev_ctl_bind(devarg, &cfg, cryptp, o->tag, ro, xflags, &dev);
	if (ret == -ENOTTY && !cryptp && !o->tag)
		ret = attach_by_node(o, devarg, &cfg, ro, &dev);
	explicit_bzero(cfg.info.lo_encrypt_key, LO_KEY_SIZE);
	if (ret == -ENOTTY && (cryptp || o->tag))
		lx_warnx("%s: %s needs loopx in native mode (LOOPX_CTL_CONFIGURE)",
			 file, cryptp ? "--key-desc" : "--tag");
	else if (ret == -ENOKEY && cryptp)
		lx_warnx("%s: no logon key \"%s\" in the keyring (keyctl padd logon %s @u)",
			 file, o->key_desc, o->key_desc);
	else if (ret == -EINVAL && o->encryption)
		lx_warnx("%s: cannot set up with encryption %s: %s", file,
			 o->encryption,
			 "the driver does not know the cipher or refuses the key size (compat mode and stock loop refuse all encryption)");
	else if (ret == -EPERM && o->encryption)
		lx_warnx("%s: setting a key needs CAP_SYS_ADMIN", file);
	else if (ret == -EINVAL && o->set_dio && o->dio_on)
		lx_warnx("%s: cannot set up with direct I/O: %s", file,
			 "the file refuses it, or the offset or sector size does not suit it (without --direct-io it would be buffered)");
	else if (ret)
		lx_err(devarg ? dev.path : NULL, "cannot set up", ret);
	else if (!devarg)
		lx_note("%s: found free device", dev.path);
	ops_close(ffd);
	if (ret)
		return 1;

	lx_note("%s: attached %s (offset %llu, sizelimit %llu, flags 0x%x, sector size %u)",
		dev.path, cfg.info.lo_file_name,
		(unsigned long long)cfg.info.lo_offset,
		(unsigned long long)cfg.info.lo_sizelimit,
		cfg.info.lo_flags, cfg.block_size);
	if (o->show)
		printf("%s\n", dev.path);
	warn_size(file, &st, o);
	return 0;
}

int act_find_free(void)
{
	struct lx_dev dev;
	int ret;

	ret = dev_find_free(&dev);
	if (ret) {
		lx_err(NULL, "cannot find a free device", ret);
		return 1;
	}
	printf("%s\n", dev.path);
	return 0;
}

/* Open an existing device for an ioctl that needs no write access. */
static int open_existing(const struct lx_dev *dev)
{
	int fd = ops_open(dev->path, O_RDONLY);

	if (fd < 0)
		lx_err(dev->path, "cannot open", fd);
	return fd;
}

/*
 * --strict and --wait use loopx's own ioctl: LOOP_CLR_FD on a busy device
 * only arms autoclear and reports success, which leaves a script unable to
 * tell whether the backing file is free.
 */
static int detach_strict(const struct lx_opts *o, const struct lx_dev *dev,
			 int fd)
{
	unsigned int openers = 0, holders = 0;
	int ret;

	ret = ops_detach_strict(fd, o->wait, &openers, &holders);
	if (ret == -EBUSY)
		lx_warnx("%s: cannot detach: %s (%u other opener%s, %u mounted or claimed)",
			 dev->path, strerror(-ret), openers,
			 openers == 1 ? "" : "s", holders);
	else if (ret == -ENOTTY)
		lx_warnx("%s: cannot detach strictly: the device's driver is not loopx",
			 dev->path);
	else if (ret)
		lx_err(dev->path, "cannot detach", ret);
	return ret;
}

static int detach_one(const struct lx_opts *o, const struct lx_dev *dev)
{
	int fd, ret;

	fd = open_existing(dev);
	if (fd < 0)
		return 1;
	if (o->strict || o->wait) {
		ret = detach_strict(o, dev, fd);
		ops_close(fd);
		if (ret)
			return 1;
	} else {
		ret = ops_clr_fd(fd);
		ops_close(fd);
		if (ret) {
			lx_err(dev->path, "cannot detach", ret);
			return 1;
		}
	}
	lx_note("%s: detached", dev->path);
	return 0;
}

int act_detach(const struct lx_opts *o, char **devargs, int count)
{
	struct lx_dev dev;
	int i, failed = 0;

	for (i = 0; i < count; i++) {
		dev_from_arg(devargs[i], &dev);
		failed |= detach_one(o, &dev);
	}
	return failed;
}

int act_detach_all(const struct lx_opts *o)
{
	struct lx_dev *devs;
	int i, n, failed = 0;

	n = dev_list_bound(&devs);
	if (n < 0) {
		lx_err(NULL, "cannot list devices", n);
		return 1;
	}
	for (i = 0; i < n; i++)
		failed |= detach_one(o, &devs[i]);
	free(devs);
	return failed;
}

int act_set_capacity(const char *devarg)
{
	struct lx_dev dev;
	int fd, ret;

	dev_from_arg(devarg, &dev);
	fd = open_existing(&dev);
	if (fd < 0)
		return 1;
	ret = ops_set_capacity(fd);
	ops_close(fd);
	if (ret) {
		lx_err(dev.path, "cannot set capacity", ret);
		return 1;
	}
	lx_note("%s: capacity updated", dev.path);
	return 0;
}

int act_modify(const struct lx_opts *o, const char *devarg)
{
	struct lx_dev dev;
	int fd, ret, failed = 0;

	dev_from_arg(devarg, &dev);
	fd = open_existing(&dev);
	if (fd < 0)
		return 1;

	/* Sector size first: whether direct I/O works can depend on it. */
	if (o->use_bsize) {
		ret = ops_set_block_size(fd, o->bsize);
		if (ret) {
			lx_err(dev.path, "cannot set sector size", ret);
			failed = 1;
		} else {
			lx_note("%s: sector size set to %u", dev.path,
				o->bsize);
		}
	}
	if (o->set_dio) {
		ret = ops_set_direct_io(fd, o->dio_on);
		if (ret) {
			lx_err(dev.path, "cannot set direct I/O", ret);
			failed = 1;
		} else {
			lx_note("%s: direct I/O %s", dev.path,
				o->dio_on ? "on" : "off");
		}
	}
	ops_close(fd);
	return failed;
}

static int print_table(struct show_table *tb)
{
	int ret = show_table_print(tb);

	if (ret)
		lx_err(NULL, "cannot write output", ret);
	return ret ? 1 : 0;
}

int act_show_one(const struct lx_opts *o, const char *devarg)
{
	struct show_table *tb;
	struct lx_state st;
	struct lx_dev dev;
	int ret;

	dev_from_arg(devarg, &dev);
	ret = dev_query(&dev, &st);
	if (ret) {
		lx_err(dev.path, "cannot get status", ret);
		return 1;
	}
	if (!o->list) {
		show_line(&dev, &st);
		return 0;
	}

	tb = show_table_new(&o->out);
	if (!tb || show_table_add(tb, &dev, &st)) {
		show_table_free(tb);
		lx_err(NULL, "cannot build output", -ENOMEM);
		return 1;
	}
	ret = print_table(tb);
	show_table_free(tb);
	return ret;
}

/* Add @dev to @tb when there is one, else print its -a line. */
static int list_one(struct show_table *tb, const struct lx_dev *dev,
		    const struct lx_state *st)
{
	if (tb)
		return show_table_add(tb, dev, st);
	show_line(dev, st);
	return 0;
}

int act_list(const struct lx_opts *o, const char *assoc)
{
	struct show_table *tb = NULL;
	const struct stat *fstp = NULL;
	struct lx_dev *devs;
	struct lx_state st;
	struct stat fst;
	int i, n, ret = 0;

	/* like losetup, a file that cannot be stat()ed is matched by name */
	if (assoc && !stat(assoc, &fst))
		fstp = &fst;
	/* loopx knows which devices hold a file; anything else is scanned */
	n = fstp || o->tag ? dev_list_holding(fstp, o->tag, &devs) : -ENOTTY;
	if (n < 0)
		n = dev_list_bound(&devs);
	if (n < 0) {
		lx_err(NULL, "cannot list devices", n);
		return 1;
	}
	if (o->list) {
		tb = show_table_new(&o->out);
		if (!tb)
			ret = -ENOMEM;
	}

	for (i = 0; !ret && i < n; i++) {
		/* detached since the directory scan: not an error */
		if (dev_query(&devs[i], &st))
			continue;
		if (assoc && !dev_state_matches(&st, fstp, assoc,
						o->use_offset, o->offset))
			continue;
		if (o->tag && strcmp(st.tag, o->tag))
			continue;
		ret = list_one(tb, &devs[i], &st);
	}
	free(devs);

	if (ret)
		lx_err(NULL, "cannot build output", ret);
	else if (tb)
		ret = print_table(tb);
	show_table_free(tb);
	return ret ? 1 : 0;
}
