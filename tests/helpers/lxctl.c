// SPDX-License-Identifier: GPL-2.0-only
/*
 * lxctl - issue raw <linux/loop.h> ioctls for the functional tests.
 *
 * losetup and the loopx CLI hide the exact errno a driver returns, and they
 * do several ioctls per command.  lxctl does exactly the ioctl a subcommand
 * names and nothing else, so a test can check the driver's answer:
 *
 *	[ "$(lxctl set-block-size /dev/loopx0 1000)" = EINVAL ]
 *
 * Output: "ok" (plus results on the same or following lines) and exit 0, or
 * the errno name (EINVAL, EBUSY, ...) and exit 1.  A failure to open the
 * device or the backing file is printed as "open ENOENT" etc., so it never
 * matches an expected ioctl errno by accident.  Usage errors exit 2.
 *
 * The control node is $LXCTL_CONTROL, default /dev/loopx-control.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <linux/keyctl.h>
#include <linux/loopx.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Options shared by every subcommand; each one uses the ones it needs. */
struct opts {
	const char *pos[4];	/* positional arguments after the command */
	int npos;
	char **kv;		/* key=value arguments (set-status*) */
	int nkv;
	int raw;		/* set-status*: start from a zeroed struct */
	int dev_ro;		/* open the loop device O_RDONLY */
	int file_ro;		/* open the backing file O_RDONLY */
	int file_rw;		/* change-fd: open the new file O_RDWR */
	int o_direct;		/* open the backing file with O_DIRECT */
	int have_fd;		/* --fd N: pass N as the fd, open nothing */
	long fd;
	int sock;		/* --socket: pass an AF_UNIX socket */
	const char *dir;	/* --dir PATH: pass a directory fd */
	__u64 offset;
	__u64 sizelimit;
	__u32 flags;
	__u32 block_size;
	__u32 encrypt_type;
	__u32 key_size;
	unsigned char key[LO_KEY_SIZE];	/* --key HEX */
	const char *crypt;	/* ctl-configure: struct loopx_crypt's cipher */
	const char *crypt_key;	/* ... its key string */
	__u32 crypt_flags;
	__u64 iv_offset;
	int crypt_reserved;	/* --crypt-reserved: a reserved word set */
	int reserved_nonzero;
	int buffered;		/* ctl-configure: LOOPX_CONFIG_BUFFERED */
	__u32 xflags;		/* ctl-configure: raw LOOPX_CONFIG_* bits */
	int have_max;
	__u32 max;		/* ctl-lookup: room for indices */
	int no_indices;		/* ctl-lookup: count only */
	const char *tag;	/* the tag of a binding, or to look up */
	int have_tag_len;
	__u32 tag_len;		/* --tag-len: a length other than strlen */
	int ext_reserved;	/* --ext-reserved: a reserved word after tag */
	const char *name;
	const char *crypt_name;
};

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "EUNKNOWN";
}

/* Print the errno of a failed ioctl and return the exit status. */
static int fail(int err)
{
	printf("%s\n", errname(err));
	return 1;
}

static int fail_open(int err)
{
	printf("open %s\n", errname(err));
	return 1;
}

static void help(void)
{
	fputs("usage: lxctl CMD [ARGS] [OPTIONS]\n"
	      "  configure DEV FILE [--offset N] [--sizelimit N] [--flags N]\n"
	      "      [--block-size N] [--encrypt-type N] [--key-size N]\n"
	      "      [--reserved-nonzero] [--name S] [--crypt-name S] [--key HEX]\n"
	      "  set-fd DEV FILE\n"
	      "      (FILE may be replaced by --fd N, --socket, --dir PATH;\n"
	      "       --dev-ro, --file-ro and --o-direct set the open modes)\n"
	      "  clr-fd DEV | set-capacity DEV\n"
	      "  get-status64 DEV | get-status DEV\n"
	      "  set-status64 DEV [--raw] KEY=VAL...\n"
	      "  set-status DEV [--raw] KEY=VAL...\n"
	      "      keys: offset sizelimit flags number encrypt_type key_size\n"
	      "            file_name crypt_name device inode rdevice key(hex)\n"
	      "  change-fd DEV FILE [--file-rw]\n"
	      "  set-dio DEV 0|1 | set-block-size DEV N\n"
	      "  ctl-add N | ctl-remove N | ctl-get-free\n"
	      "  xconfigure DEV FILE [options of configure and ctl-configure]\n"
	      "      (LOOPX_IOC_CONFIGURE; --reserved-nonzero sets __reserved0)\n"
	      "  ctl-configure N FILE [--buffered] [--xflags X] [--dev-ro] (N -1: any)\n"
	      "      [--crypt CIPHER --crypt-key :SIZE:logon:DESC [--crypt-flags N]\n"
	      "       [--iv-offset N] [--crypt-reserved]]   (struct loopx_crypt)\n"
	      "      [--tag S [--tag-len N]] [--ext-reserved]   (ctl-configure,\n"
	      "       xconfigure: the binding's tag; --tag-len 0 passes none)\n"
	      "  ctl-lookup FILE [--max N] [--flags N] [--no-indices]\n"
	      "      [--reserved-nonzero]   (LOOPX_CTL_LOOKUP by stat(FILE);\n"
	      "       prints \"count N: INDEX...\")\n"
	      "  ctl-lookup --tag S [--tag-len N] [...]   (LOOPX_LOOKUP_TAG)\n"
	      "  hold DEV SECONDS [--dev-ro]\n"
	      "  raw DEV CMD ARG   (CMD: a LOOP_* name or a number)\n"
	      "  add-logon-key DESC HEX   (a logon key in the user keyring)\n",
	      stderr);
	exit(2);
}

static __u64 parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "lxctl: bad number '%s'\n", s);
		help();
	}
	return v;
}

static __u32 parse_u32(const char *s)
{
	__u64 v = parse_u64(s);

	if (v > 0xffffffffULL) {
		fprintf(stderr, "lxctl: '%s' does not fit 32 bits\n", s);
		help();
	}
	return v;
}

static long parse_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "lxctl: bad number '%s'\n", s);
		help();
	}
	return v;
}

/* A key in hex, up to LO_KEY_SIZE bytes; returns its length. */
static unsigned int parse_key(const char *hex, unsigned char *key)
{
	size_t len = strlen(hex), i;
	unsigned int byte;

	if (len % 2 || len / 2 > LO_KEY_SIZE) {
		fprintf(stderr, "lxctl: bad key '%s'\n", hex);
		help();
	}
	memset(key, 0, LO_KEY_SIZE);
	for (i = 0; i < len / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
			fprintf(stderr, "lxctl: bad key '%s'\n", hex);
			help();
		}
		key[i] = byte;
	}
	return len / 2;
}

/* Options that take a value; the rest are boolean. */
static const char *const value_opts[] = {
	"--fd", "--dir", "--offset", "--sizelimit", "--flags", "--block-size",
	"--encrypt-type", "--key-size", "--name", "--crypt-name", "--xflags",
	"--key", "--crypt", "--crypt-key", "--crypt-flags", "--iv-offset",
	"--max", "--tag", "--tag-len",
};

static int takes_value(const char *opt)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(value_opts); i++)
		if (!strcmp(opt, value_opts[i]))
			return 1;
	return 0;
}

static void set_value_opt(struct opts *o, const char *opt, const char *val)
{
	if (!strcmp(opt, "--fd")) {
		o->have_fd = 1;
		o->fd = parse_long(val);
	} else if (!strcmp(opt, "--dir")) {
		o->dir = val;
	} else if (!strcmp(opt, "--offset")) {
		o->offset = parse_u64(val);
	} else if (!strcmp(opt, "--sizelimit")) {
		o->sizelimit = parse_u64(val);
	} else if (!strcmp(opt, "--flags")) {
		o->flags = parse_u32(val);
	} else if (!strcmp(opt, "--xflags")) {
		o->xflags = parse_u32(val);
	} else if (!strcmp(opt, "--block-size")) {
		o->block_size = parse_u32(val);
	} else if (!strcmp(opt, "--encrypt-type")) {
		o->encrypt_type = parse_u32(val);
	} else if (!strcmp(opt, "--key-size")) {
		o->key_size = parse_u32(val);
	} else if (!strcmp(opt, "--name")) {
		o->name = val;
	} else if (!strcmp(opt, "--crypt-name")) {
		o->crypt_name = val;
	} else if (!strcmp(opt, "--crypt")) {
		o->crypt = val;
	} else if (!strcmp(opt, "--crypt-key")) {
		o->crypt_key = val;
	} else if (!strcmp(opt, "--crypt-flags")) {
		o->crypt_flags = parse_u32(val);
	} else if (!strcmp(opt, "--iv-offset")) {
		o->iv_offset = parse_u64(val);
	} else if (!strcmp(opt, "--max")) {
		o->have_max = 1;
		o->max = parse_u32(val);
	} else if (!strcmp(opt, "--tag")) {
		o->tag = val;
	} else if (!strcmp(opt, "--tag-len")) {
		o->have_tag_len = 1;
		o->tag_len = parse_u32(val);
	} else if (!strcmp(opt, "--key")) {
		if (!o->key_size)
			o->key_size = parse_key(val, o->key);
		else
			parse_key(val, o->key);
	}
}

static void set_bool_opt(struct opts *o, const char *opt)
{
	if (!strcmp(opt, "--raw"))
		o->raw = 1;
	else if (!strcmp(opt, "--crypt-reserved"))
		o->crypt_reserved = 1;
	else if (!strcmp(opt, "--dev-ro"))
		o->dev_ro = 1;
	else if (!strcmp(opt, "--buffered"))
		o->buffered = 1;
	else if (!strcmp(opt, "--file-ro"))
		o->file_ro = 1;
	else if (!strcmp(opt, "--file-rw"))
		o->file_rw = 1;
	else if (!strcmp(opt, "--o-direct"))
		o->o_direct = 1;
	else if (!strcmp(opt, "--socket"))
		o->sock = 1;
	else if (!strcmp(opt, "--reserved-nonzero"))
		o->reserved_nonzero = 1;
	else if (!strcmp(opt, "--no-indices"))
		o->no_indices = 1;
	else if (!strcmp(opt, "--ext-reserved"))
		o->ext_reserved = 1;
	else
		help();
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->kv = calloc(argc + 1, sizeof(*o->kv));
	if (!o->kv) {
		perror("lxctl");
		exit(2);
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--", 2) && takes_value(a)) {
			if (++i >= argc)
				help();
			set_value_opt(o, a, argv[i]);
		} else if (!strncmp(a, "--", 2)) {
			set_bool_opt(o, a);
		} else if (strchr(a, '=')) {
			o->kv[o->nkv++] = argv[i];
		} else {
			if (o->npos >= (int)ARRAY_SIZE(o->pos))
				help();
			o->pos[o->npos++] = a;
		}
	}
}

static void need_pos(const struct opts *o, int n)
{
	if (o->npos != n)
		help();
}

static int open_dev(const struct opts *o, const char *path)
{
	return open(path, (o->dev_ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
}

/*
 * Return the fd to pass as the backing file: a number given with --fd
 * (possibly not open at all), a socket, a directory or an opened file.
 * A FILE that is a directory is opened read-only, since O_RDWR would fail.
 */
static int backing_fd(const struct opts *o, const char *file, int def_ro)
{
	int ro = def_ro ? !o->file_rw : o->file_ro;
	int fl = (ro ? O_RDONLY : O_RDWR) | (o->o_direct ? O_DIRECT : 0);
	int fd;

	if (o->have_fd)
		return (int)o->fd;
	if (o->sock)
		return socket(AF_UNIX, SOCK_STREAM, 0);
	if (o->dir)
		return open(o->dir, O_RDONLY | O_DIRECTORY);
	if (!file)
		help();
	fd = open(file, fl);
	if (fd < 0 && errno == EISDIR)
		fd = open(file, O_RDONLY);
	return fd;
}

/* The backing file is the positional after DEV, unless a --fd-like option. */
static const char *backing_arg(const struct opts *o)
{
	if (o->have_fd || o->sock || o->dir) {
		need_pos(o, 1);
		return NULL;
	}
	need_pos(o, 2);
	return o->pos[1];
}

static void copy_name(__u8 *dst, const char *src)
{
	/* Up to LO_NAME_SIZE bytes, not NUL-terminated if that long. */
	size_t n = strnlen(src, LO_NAME_SIZE);

	memset(dst, 0, LO_NAME_SIZE);
	memcpy(dst, src, n);
}

/*
 * Open the device (the first argument) and the backing file, for writing
 * too if @file_write: 0, or the exit status of the failure, reported.
 */
static int open_pair(struct opts *o, int file_write, int *dev, int *fd)
{
	*dev = open_dev(o, o->pos[0]);
	if (*dev < 0)
		return fail_open(errno);
	*fd = backing_fd(o, backing_arg(o), file_write);
	if (*fd < 0 && !o->have_fd)
		return fail_open(errno);
	return 0;
}

/* The loop_config that configure and ctl-configure pass, from the options. */
static void fill_config(const struct opts *o, int fd, struct loop_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fd = fd;
	cfg->block_size = o->block_size;
	cfg->info.lo_offset = o->offset;
	cfg->info.lo_sizelimit = o->sizelimit;
	cfg->info.lo_flags = o->flags;
	cfg->info.lo_encrypt_type = o->encrypt_type;
	cfg->info.lo_encrypt_key_size = o->key_size;
	memcpy(cfg->info.lo_encrypt_key, o->key, LO_KEY_SIZE);
	if (o->name)
		copy_name(cfg->info.lo_file_name, o->name);
	if (o->crypt_name)
		copy_name(cfg->info.lo_crypt_name, o->crypt_name);
}

static int cmd_configure(struct opts *o)
{
	struct loop_config cfg;
	int dev, fd, ret, i;

	ret = open_pair(o, 0, &dev, &fd);
	if (ret)
		return ret;

	fill_config(o, fd, &cfg);
	if (o->reserved_nonzero)
		for (i = 0; i < 8; i++)
			cfg.__reserved[i] = 0x5a5a5a5a5a5a5a5aULL;

	if (ioctl(dev, LOOP_CONFIGURE, &cfg) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static int cmd_set_fd(struct opts *o)
{
	int dev, fd, ret;

	ret = open_pair(o, 0, &dev, &fd);
	if (ret)
		return ret;
	if (ioctl(dev, LOOP_SET_FD, fd) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static int cmd_change_fd(struct opts *o)
{
	int dev, fd, ret;

	ret = open_pair(o, 1, &dev, &fd);
	if (ret)
		return ret;
	if (ioctl(dev, LOOP_CHANGE_FD, fd) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

/* Device ioctls without an argument, or with a plain integer argument. */
static int simple_ioctl(struct opts *o, unsigned long cmd, unsigned long arg)
{
	int dev = open_dev(o, o->pos[0]);
	int ret;

	if (dev < 0)
		return fail_open(errno);
	ret = ioctl(dev, cmd, arg);
	if (ret < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static int cmd_clr_fd(struct opts *o)
{
	need_pos(o, 1);
	return simple_ioctl(o, LOOP_CLR_FD, 0);
}

static int cmd_set_capacity(struct opts *o)
{
	need_pos(o, 1);
	return simple_ioctl(o, LOOP_SET_CAPACITY, 0);
}

static int cmd_set_dio(struct opts *o)
{
	need_pos(o, 2);
	return simple_ioctl(o, LOOP_SET_DIRECT_IO, parse_u64(o->pos[1]));
}

static int cmd_set_block_size(struct opts *o)
{
	need_pos(o, 2);
	return simple_ioctl(o, LOOP_SET_BLOCK_SIZE, parse_u64(o->pos[1]));
}

/* Print a fixed-size name field, stopping at the first NUL. */
static void print_name(const char *key, const void *buf, size_t len)
{
	printf("%s=%.*s\n", key, (int)strnlen(buf, len), (const char *)buf);
}

static void print_key(const unsigned char *key)
{
	int i;

	printf("lo_encrypt_key=");
	for (i = 0; i < LO_KEY_SIZE; i++)
		printf("%02x", key[i]);
	printf("\n");
}

static void print_info64(const struct loop_info64 *li)
{
	printf("lo_device=%llu\n", (unsigned long long)li->lo_device);
	printf("lo_inode=%llu\n", (unsigned long long)li->lo_inode);
	printf("lo_rdevice=%llu\n", (unsigned long long)li->lo_rdevice);
	printf("lo_offset=%llu\n", (unsigned long long)li->lo_offset);
	printf("lo_sizelimit=%llu\n", (unsigned long long)li->lo_sizelimit);
	printf("lo_number=%u\n", li->lo_number);
	printf("lo_encrypt_type=%u\n", li->lo_encrypt_type);
	printf("lo_encrypt_key_size=%u\n", li->lo_encrypt_key_size);
	print_key(li->lo_encrypt_key);
	printf("lo_flags=%u\n", li->lo_flags);
	print_name("lo_file_name", li->lo_file_name, LO_NAME_SIZE);
	print_name("lo_crypt_name", li->lo_crypt_name, LO_NAME_SIZE);
	printf("lo_init=%llu,%llu\n", (unsigned long long)li->lo_init[0],
	       (unsigned long long)li->lo_init[1]);
}

static void print_info(const struct loop_info *li)
{
	printf("lo_number=%d\n", li->lo_number);
	printf("lo_device=%lu\n", (unsigned long)li->lo_device);
	printf("lo_inode=%lu\n", li->lo_inode);
	printf("lo_rdevice=%lu\n", (unsigned long)li->lo_rdevice);
	printf("lo_offset=%d\n", li->lo_offset);
	printf("lo_encrypt_type=%d\n", li->lo_encrypt_type);
	printf("lo_encrypt_key_size=%d\n", li->lo_encrypt_key_size);
	print_key(li->lo_encrypt_key);
	printf("lo_flags=%d\n", li->lo_flags);
	print_name("lo_name", li->lo_name, LO_NAME_SIZE);
	printf("lo_init=%lu,%lu\n", li->lo_init[0], li->lo_init[1]);
}

static int cmd_get_status64(struct opts *o)
{
	struct loop_info64 li;
	int dev;

	need_pos(o, 1);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	/* Poison it: every field must be written by the driver. */
	memset(&li, 0xa5, sizeof(li));
	if (ioctl(dev, LOOP_GET_STATUS64, &li) < 0)
		return fail(errno);
	printf("ok\n");
	print_info64(&li);
	return 0;
}

static int cmd_get_status(struct opts *o)
{
	struct loop_info li;
	int dev;

	need_pos(o, 1);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	memset(&li, 0xa5, sizeof(li));
	if (ioctl(dev, LOOP_GET_STATUS, &li) < 0)
		return fail(errno);
	printf("ok\n");
	print_info(&li);
	return 0;
}

/* Split "key=value"; returns the value, or exits on a malformed pair. */
static const char *kv_split(char *kv, const char **key)
{
	char *eq = strchr(kv, '=');

	if (!eq)
		help();
	*eq = '\0';
	*key = kv;
	return eq + 1;
}

static void apply_kv64(struct loop_info64 *li, char *kv)
{
	const char *k, *v = kv_split(kv, &k);

	if (!strcmp(k, "offset"))
		li->lo_offset = parse_u64(v);
	else if (!strcmp(k, "sizelimit"))
		li->lo_sizelimit = parse_u64(v);
	else if (!strcmp(k, "flags"))
		li->lo_flags = parse_u32(v);
	else if (!strcmp(k, "number"))
		li->lo_number = parse_u32(v);
	else if (!strcmp(k, "encrypt_type"))
		li->lo_encrypt_type = parse_u32(v);
	else if (!strcmp(k, "key_size"))
		li->lo_encrypt_key_size = parse_u32(v);
	else if (!strcmp(k, "key"))
		parse_key(v, li->lo_encrypt_key);
	else if (!strcmp(k, "file_name"))
		copy_name(li->lo_file_name, v);
	else if (!strcmp(k, "crypt_name"))
		copy_name(li->lo_crypt_name, v);
	else if (!strcmp(k, "device"))
		li->lo_device = parse_u64(v);
	else if (!strcmp(k, "inode"))
		li->lo_inode = parse_u64(v);
	else if (!strcmp(k, "rdevice"))
		li->lo_rdevice = parse_u64(v);
	else
		help();
}

static void apply_kv(struct loop_info *li, char *kv)
{
	const char *k, *v = kv_split(kv, &k);

	if (!strcmp(k, "offset"))
		li->lo_offset = (int)parse_long(v);
	else if (!strcmp(k, "flags"))
		li->lo_flags = (int)parse_long(v);
	else if (!strcmp(k, "number"))
		li->lo_number = (int)parse_long(v);
	else if (!strcmp(k, "encrypt_type"))
		li->lo_encrypt_type = (int)parse_long(v);
	else if (!strcmp(k, "key_size"))
		li->lo_encrypt_key_size = (int)parse_long(v);
	else if (!strcmp(k, "key"))
		parse_key(v, li->lo_encrypt_key);
	else if (!strcmp(k, "file_name"))
		copy_name((__u8 *)li->lo_name, v);
	else if (!strcmp(k, "device"))
		li->lo_device = parse_u64(v);
	else if (!strcmp(k, "inode"))
		li->lo_inode = parse_u64(v);
	else if (!strcmp(k, "rdevice"))
		li->lo_rdevice = parse_u64(v);
	else
		help();
}

/*
 * Read-modify-write by default, so "set-status64 DEV offset=4096" changes
 * only the offset; --raw starts from zeroes (needed on an unbound device,
 * where the GET would fail first).
 */
static int cmd_set_status64(struct opts *o)
{
	struct loop_info64 li;
	int dev, i;

	need_pos(o, 1);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	memset(&li, 0, sizeof(li));
	if (!o->raw && ioctl(dev, LOOP_GET_STATUS64, &li) < 0) {
		printf("get ");
		return fail(errno);
	}
	for (i = 0; i < o->nkv; i++)
		apply_kv64(&li, o->kv[i]);
	if (ioctl(dev, LOOP_SET_STATUS64, &li) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static int cmd_set_status(struct opts *o)
{
	struct loop_info li;
	int dev, i;

	need_pos(o, 1);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	memset(&li, 0, sizeof(li));
	if (!o->raw && ioctl(dev, LOOP_GET_STATUS, &li) < 0) {
		printf("get ");
		return fail(errno);
	}
	for (i = 0; i < o->nkv; i++)
		apply_kv(&li, o->kv[i]);
	if (ioctl(dev, LOOP_SET_STATUS, &li) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static const char *control_path(void)
{
	const char *p = getenv("LXCTL_CONTROL");

	return p && *p ? p : "/dev/loopx-control";
}

static int ctl_ioctl(unsigned long cmd, long arg)
{
	int fd = open(control_path(), O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return fail_open(errno);
	ret = ioctl(fd, cmd, arg);
	if (ret < 0)
		return fail(errno);
	printf("ok %d\n", ret);
	return 0;
}

/*
 * ctl-configure INDEX FILE: LOOPX_CTL_CONFIGURE on the control node, opened
 * read-only with --dev-ro (the device then binds read-only); INDEX -1 asks
 * for any free device. Prints "ok N" with the index the ioctl returned.
 */
/* The struct loopx_crypt the --crypt options ask for, as a pointer word. */
static __u64 fill_crypt(const struct opts *o, struct loopx_crypt *crypt)
{
	if (!o->crypt)
		return 0;
	memset(crypt, 0, sizeof(*crypt));
	snprintf(crypt->cipher, sizeof(crypt->cipher), "%s", o->crypt);
	snprintf(crypt->key, sizeof(crypt->key), "%s",
		 o->crypt_key ? o->crypt_key : "");
	crypt->flags = o->crypt_flags;
	crypt->iv_offset = o->iv_offset;
	if (o->crypt_reserved)
		crypt->__reserved[3] = 1;
	return (__u64)(uintptr_t)crypt;
}

/*
 * The tag the --tag options ask for, as a pointer word, and its length:
 * --tag-len may claim more than strlen (taking the NUL in) or none at all.
 */
static __u64 fill_tag(const struct opts *o, __u32 *len)
{
	*len = 0;
	if (!o->tag)
		return 0;
	*len = o->have_tag_len ? o->tag_len : (__u32)strlen(o->tag);
	return (__u64)(uintptr_t)o->tag;
}

/* LOOPX_IOC_CONFIGURE: LOOP_CONFIGURE on the device, with the extensions. */
static int cmd_xconfigure(struct opts *o)
{
	struct loopx_crypt crypt;
	struct loopx_config req;
	int dev, fd, ret;

	ret = open_pair(o, 0, &dev, &fd);
	if (ret)
		return ret;

	memset(&req, 0, sizeof(req));
	req.flags = o->xflags | (o->buffered ? LOOPX_CONFIG_BUFFERED : 0);
	if (o->reserved_nonzero)
		req.__reserved0 = 1;
	if (o->ext_reserved)
		req.ext.__reserved[3] = 1;
	fill_config(o, fd, &req.config);
	req.crypt = fill_crypt(o, &crypt);
	req.ext.tag = fill_tag(o, &req.ext.tag_len);
	if (ioctl(dev, LOOPX_IOC_CONFIGURE, &req) < 0)
		return fail(errno);
	printf("ok\n");
	return 0;
}

static int cmd_ctl_configure(struct opts *o)
{
	struct loopx_crypt crypt;
	struct loopx_ctl_config req;
	const char *file = backing_arg(o);
	int ctl, fd, ret;

	ctl = open(control_path(), (o->dev_ro ? O_RDONLY : O_RDWR) |
		   O_CLOEXEC);
	if (ctl < 0)
		return fail_open(errno);
	fd = backing_fd(o, file, 0);
	if (fd < 0 && !o->have_fd)
		return fail_open(errno);

	memset(&req, 0, sizeof(req));
	req.index = (int)parse_long(o->pos[0]);
	req.flags = o->xflags | (o->buffered ? LOOPX_CONFIG_BUFFERED : 0);
	fill_config(o, fd, &req.config);
	if (o->reserved_nonzero)
		req.config.__reserved[7] = 1;
	if (o->ext_reserved)
		req.ext.__reserved[3] = 1;
	req.crypt = fill_crypt(o, &crypt);
	req.ext.tag = fill_tag(o, &req.ext.tag_len);

	ret = ioctl(ctl, LOOPX_CTL_CONFIGURE, &req);
	if (ret < 0)
		return fail(errno);
	if (req.index != ret) {
		printf("index %d but returned %d\n", req.index, ret);
		return 1;
	}
	printf("ok %d\n", ret);
	return 0;
}

static int cmd_ctl_lookup(struct opts *o)
{
	__s32 indices[LOOPX_LOOKUP_MAX];
	struct loopx_lookup req;
	struct stat st;
	__u32 i;
	int ctl;

	memset(&req, 0, sizeof(req));
	if (o->tag) {
		need_pos(o, 0);
		req.flags = LOOPX_LOOKUP_TAG;
		req.tag = fill_tag(o, &req.tag_len);
	} else {
		need_pos(o, 1);
		if (stat(o->pos[0], &st))
			return fail_open(errno);
		req.dev = st.st_dev;
		req.ino = st.st_ino;
	}
	ctl = open(control_path(), O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return fail_open(errno);
	req.max = o->have_max ? o->max : LOOPX_LOOKUP_MAX;
	req.flags |= o->flags;
	if (!o->no_indices)
		req.indices = (uintptr_t)indices;
	if (o->reserved_nonzero)
		req.__reserved[1] = 1;
	if (ioctl(ctl, LOOPX_CTL_LOOKUP, &req) < 0)
		return fail(errno);
	printf("count %u:", req.count);
	for (i = 0; !o->no_indices && i < req.count && i < req.max; i++)
		printf(" %d", indices[i]);
	printf("\n");
	return 0;
}

static int cmd_ctl_add(struct opts *o)
{
	need_pos(o, 1);
	return ctl_ioctl(LOOP_CTL_ADD, parse_long(o->pos[0]));
}

static int cmd_ctl_remove(struct opts *o)
{
	need_pos(o, 1);
	return ctl_ioctl(LOOP_CTL_REMOVE, parse_long(o->pos[0]));
}

static int cmd_ctl_get_free(struct opts *o)
{
	need_pos(o, 0);
	return ctl_ioctl(LOOP_CTL_GET_FREE, 0);
}

/*
 * Keep the device open for SECONDS (or until killed), for busy and
 * autoclear tests.  "ok" is printed once the device is open, so a test
 * can wait for that line before it relies on the extra opener.
 */
static int cmd_hold(struct opts *o)
{
	unsigned int secs;
	int dev;

	need_pos(o, 2);
	secs = parse_u32(o->pos[1]);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	printf("ok\n");
	fflush(stdout);
	while (secs)
		secs = sleep(secs);
	close(dev);
	return 0;
}

static const struct {
	const char *name;
	unsigned long cmd;
} ioctl_names[] = {
	{ "LOOP_SET_FD", LOOP_SET_FD },
	{ "LOOP_CLR_FD", LOOP_CLR_FD },
	{ "LOOP_SET_STATUS", LOOP_SET_STATUS },
	{ "LOOP_GET_STATUS", LOOP_GET_STATUS },
	{ "LOOP_SET_STATUS64", LOOP_SET_STATUS64 },
	{ "LOOP_GET_STATUS64", LOOP_GET_STATUS64 },
	{ "LOOP_CHANGE_FD", LOOP_CHANGE_FD },
	{ "LOOP_SET_CAPACITY", LOOP_SET_CAPACITY },
	{ "LOOP_SET_DIRECT_IO", LOOP_SET_DIRECT_IO },
	{ "LOOP_SET_BLOCK_SIZE", LOOP_SET_BLOCK_SIZE },
	{ "LOOP_CONFIGURE", LOOP_CONFIGURE },
	{ "LOOP_CTL_ADD", LOOP_CTL_ADD },
	{ "LOOP_CTL_REMOVE", LOOP_CTL_REMOVE },
	{ "LOOP_CTL_GET_FREE", LOOP_CTL_GET_FREE },
};

static unsigned long parse_ioctl(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ioctl_names); i++)
		if (!strcmp(s, ioctl_names[i].name))
			return ioctl_names[i].cmd;
	return parse_u64(s);
}

/* Any ioctl with an integer argument (0 gives a NULL pointer). */
static int cmd_raw(struct opts *o)
{
	unsigned long cmd, arg;
	int dev, ret;

	need_pos(o, 3);
	cmd = parse_ioctl(o->pos[1]);
	arg = parse_u64(o->pos[2]);
	dev = open_dev(o, o->pos[0]);
	if (dev < 0)
		return fail_open(errno);
	ret = ioctl(dev, cmd, arg);
	if (ret < 0)
		return fail(errno);
	printf("ok %d\n", ret);
	return 0;
}

/*
 * add-logon-key DESC HEX: a logon key in the user keyring, as "keyctl padd
 * logon DESC @u" adds it; prints "ok SERIAL".
 */
static int cmd_add_logon_key(struct opts *o)
{
	unsigned char key[64];
	size_t len, i;
	unsigned int byte;
	long serial;

	need_pos(o, 2);
	len = strlen(o->pos[1]) / 2;
	if (len > sizeof(key) || strlen(o->pos[1]) % 2)
		help();
	for (i = 0; i < len; i++) {
		if (sscanf(o->pos[1] + 2 * i, "%2x", &byte) != 1)
			help();
		key[i] = byte;
	}
	serial = syscall(SYS_add_key, "logon", o->pos[0], key, len,
			 KEY_SPEC_USER_KEYRING);
	if (serial < 0)
		return fail(errno);
	printf("ok %ld\n", serial);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct opts *o);
} cmds[] = {
	{ "configure", cmd_configure },
	{ "set-fd", cmd_set_fd },
	{ "clr-fd", cmd_clr_fd },
	{ "get-status64", cmd_get_status64 },
	{ "get-status", cmd_get_status },
	{ "set-status64", cmd_set_status64 },
	{ "set-status", cmd_set_status },
	{ "change-fd", cmd_change_fd },
	{ "set-capacity", cmd_set_capacity },
	{ "set-dio", cmd_set_dio },
	{ "set-block-size", cmd_set_block_size },
	{ "ctl-add", cmd_ctl_add },
	{ "ctl-remove", cmd_ctl_remove },
	{ "ctl-get-free", cmd_ctl_get_free },
	{ "xconfigure", cmd_xconfigure },
	{ "ctl-configure", cmd_ctl_configure },
	{ "ctl-lookup", cmd_ctl_lookup },
	{ "hold", cmd_hold },
	{ "raw", cmd_raw },
	{ "add-logon-key", cmd_add_logon_key },
};

int main(int argc, char **argv)
{
	struct opts o;
	size_t i;

	if (argc < 2)
		help();
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		parse_args(&o, argc - 2, argv + 2);
		/* every command names a device or a file, but these */
		if (strcmp(argv[1], "ctl-add") && strcmp(argv[1], "ctl-remove") &&
		    strcmp(argv[1], "ctl-get-free") &&
		    (strcmp(argv[1], "ctl-lookup") || !o.tag) && o.npos < 1)
			help();
		return cmds[i].fn(&o);
	}
	help();
	return 2;
}
