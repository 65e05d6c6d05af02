// SPDX-License-Identifier: GPL-2.0-only
/*
 * lxctl32 - an i386 program that issues the loop ioctls whose argument
 * differs between 32- and 64-bit userspace, to test the driver's
 * compat_ioctl.
 *
 * struct loop_info has dev_t and unsigned long members, so on i386 it is
 * 140 bytes with 16-bit lo_device/lo_rdevice, not the 168 bytes of
 * x86_64: a driver without a compat_ioctl handler (or one that copies the
 * native struct) fails LOOP_GET_STATUS from 32-bit losetup.  The other
 * loop ioctls pass a pointer or an integer and need compat_ptr() only.
 *
 * No i386 libc is installed on the build hosts (no gcc-multilib), so this
 * is freestanding: raw int $0x80 system calls, its own _start, and no
 * 64-bit division (which would need libgcc).  Output follows lxctl: "ok"
 * plus key=value lines, or the errno name, and exit 0/1 (2 for usage).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define NR_EXIT		1
#define NR_WRITE	4
#define NR_OPEN		5
#define NR_IOCTL	54

#define O_RDONLY	0
#define O_RDWR		2
#define O_LARGEFILE	0100000

#define LOOP_SET_FD		0x4C00
#define LOOP_CLR_FD		0x4C01
#define LOOP_SET_STATUS		0x4C02
#define LOOP_GET_STATUS		0x4C03
#define LOOP_GET_STATUS64	0x4C05
#define LOOP_CONFIGURE		0x4C0A

#define NAME_SIZE	64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* struct loop_info as i386 userspace sees it (compat_loop_info). */
struct loop_info32 {
	int lo_number;
	u16 lo_device;
	u32 lo_inode;
	u16 lo_rdevice;
	int lo_offset;
	int lo_encrypt_type;
	int lo_encrypt_key_size;
	int lo_flags;
	char lo_name[NAME_SIZE];
	u8 lo_encrypt_key[32];
	u32 lo_init[2];
	char reserved[4];
};

/* Same layout on both ABIs, but the pointer still goes through compat. */
struct loop_info64 {
	u64 lo_device;
	u64 lo_inode;
	u64 lo_rdevice;
	u64 lo_offset;
	u64 lo_sizelimit;
	u32 lo_number;
	u32 lo_encrypt_type;
	u32 lo_encrypt_key_size;
	u32 lo_flags;
	u8 lo_file_name[NAME_SIZE];
	u8 lo_crypt_name[NAME_SIZE];
	u8 lo_encrypt_key[32];
	u64 lo_init[2];
};

struct loop_config {
	u32 fd;
	u32 block_size;
	struct loop_info64 info;
	u64 reserved[8];
};

/* Fails to compile if the condition is true, like the kernel's. */
#define BUILD_BUG_ON(c) ((void)sizeof(char[1 - 2 * !!(c)]))

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile ("int $0x80"
		      : "=a" (ret)
		      : "a" (nr), "b" (a), "c" (b), "d" (c)
		      : "memory");
	return ret;
}

/* gcc may emit calls to these for struct copies even when freestanding. */
void *memset(void *s, int c, unsigned int n)
{
	u8 *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned int n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static unsigned int str_len(const char *s, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static void out(const char *s, unsigned int n)
{
	sys3(NR_WRITE, 1, (long)s, n);
}

static void puts_(const char *s)
{
	out(s, str_len(s, 4096));
}

/* Decimal without 64-bit division: shift-and-subtract by ten. */
static void put_u64(u64 v)
{
	char buf[24];
	int i = sizeof(buf);
	int bit;

	do {
		u64 q = 0;
		u32 r = 0;

		for (bit = 63; bit >= 0; bit--) {
			r = (r << 1) | (u32)((v >> bit) & 1);
			q <<= 1;
			if (r >= 10) {
				r -= 10;
				q |= 1;
			}
		}
		buf[--i] = '0' + r;
		v = q;
	} while (v);
	out(buf + i, sizeof(buf) - i);
}

static void put_s32(int v)
{
	if (v < 0) {
		puts_("-");
		put_u64(-(u64)v);
	} else {
		put_u64(v);
	}
}

static void kv_u64(const char *key, u64 v)
{
	puts_(key);
	puts_("=");
	put_u64(v);
	puts_("\n");
}

static void kv_s32(const char *key, int v)
{
	puts_(key);
	puts_("=");
	put_s32(v);
	puts_("\n");
}

static void kv_name(const char *key, const void *name)
{
	puts_(key);
	puts_("=");
	out(name, str_len(name, NAME_SIZE));
	puts_("\n");
}

static void die(int code)
{
	sys3(NR_EXIT, code, 0, 0);
	for (;;)
		;
}

static void help(void)
{
	puts_("usage: lxctl32 get-status DEV | get-status64 DEV |\n"
	      "       set-status DEV [--raw] KEY=VAL... |\n"
	      "       set-fd DEV FILE | configure DEV FILE | clr-fd DEV\n"
	      "  keys: offset flags number encrypt_type file_name\n");
	die(2);
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ 1, "EPERM" }, { 2, "ENOENT" }, { 5, "EIO" }, { 6, "ENXIO" },
	{ 9, "EBADF" }, { 12, "ENOMEM" }, { 13, "EACCES" }, { 14, "EFAULT" },
	{ 16, "EBUSY" }, { 17, "EEXIST" }, { 19, "ENODEV" }, { 22, "EINVAL" },
	{ 25, "ENOTTY" }, { 30, "EROFS" }, { 38, "ENOSYS" },
	{ 75, "EOVERFLOW" }, { 95, "EOPNOTSUPP" },
};

/* Print the errno name of a negative syscall return and return 1. */
static int fail(long ret)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++) {
		if (errnames[i].err == -ret) {
			puts_(errnames[i].name);
			puts_("\n");
			return 1;
		}
	}
	puts_("E");
	put_s32(-ret);
	puts_("\n");
	return 1;
}

static int open_or_die(const char *path, int flags)
{
	long fd = sys3(NR_OPEN, (long)path, flags | O_LARGEFILE, 0);

	if (fd < 0) {
		puts_("open ");
		fail(fd);
		die(1);
	}
	return fd;
}

static int parse_int(const char *s)
{
	int neg = 0, v = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!*s)
		help();
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			help();
		v = v * 10 + (*s - '0');
	}
	return neg ? -v : v;
}

static int get_status(int dev)
{
	struct loop_info32 li;
	long ret;

	memset(&li, 0xa5, sizeof(li));
	ret = sys3(NR_IOCTL, dev, LOOP_GET_STATUS, (long)&li);
	if (ret < 0)
		return fail(ret);
	puts_("ok\n");
	kv_s32("lo_number", li.lo_number);
	kv_u64("lo_device", li.lo_device);
	kv_u64("lo_inode", li.lo_inode);
	kv_u64("lo_rdevice", li.lo_rdevice);
	kv_s32("lo_offset", li.lo_offset);
	kv_s32("lo_encrypt_type", li.lo_encrypt_type);
	kv_s32("lo_encrypt_key_size", li.lo_encrypt_key_size);
	kv_s32("lo_flags", li.lo_flags);
	kv_name("lo_name", li.lo_name);
	kv_u64("lo_init0", li.lo_init[0]);
	kv_u64("lo_init1", li.lo_init[1]);
	return 0;
}

static int get_status64(int dev)
{
	struct loop_info64 li;
	long ret;

	memset(&li, 0xa5, sizeof(li));
	ret = sys3(NR_IOCTL, dev, LOOP_GET_STATUS64, (long)&li);
	if (ret < 0)
		return fail(ret);
	puts_("ok\n");
	kv_u64("lo_device", li.lo_device);
	kv_u64("lo_inode", li.lo_inode);
	kv_u64("lo_rdevice", li.lo_rdevice);
	kv_u64("lo_offset", li.lo_offset);
	kv_u64("lo_sizelimit", li.lo_sizelimit);
	kv_u64("lo_number", li.lo_number);
	kv_u64("lo_encrypt_type", li.lo_encrypt_type);
	kv_u64("lo_flags", li.lo_flags);
	kv_name("lo_file_name", li.lo_file_name);
	return 0;
}

static void apply_kv(struct loop_info32 *li, char *kv)
{
	char *v = kv;
	unsigned int i;

	while (*v && *v != '=')
		v++;
	if (!*v)
		help();
	*v++ = '\0';
	if (str_eq(kv, "offset")) {
		li->lo_offset = parse_int(v);
	} else if (str_eq(kv, "flags")) {
		li->lo_flags = parse_int(v);
	} else if (str_eq(kv, "number")) {
		li->lo_number = parse_int(v);
	} else if (str_eq(kv, "encrypt_type")) {
		li->lo_encrypt_type = parse_int(v);
	} else if (str_eq(kv, "file_name")) {
		memset(li->lo_name, 0, NAME_SIZE);
		for (i = 0; i < NAME_SIZE && v[i]; i++)
			li->lo_name[i] = v[i];
	} else {
		help();
	}
}

static int set_status(int dev, int argc, char **argv)
{
	struct loop_info32 li;
	int i = 0;
	long ret;

	memset(&li, 0, sizeof(li));
	if (argc > 0 && str_eq(argv[0], "--raw")) {
		i = 1;
	} else {
		ret = sys3(NR_IOCTL, dev, LOOP_GET_STATUS, (long)&li);
		if (ret < 0) {
			puts_("get ");
			return fail(ret);
		}
	}
	for (; i < argc; i++)
		apply_kv(&li, argv[i]);
	ret = sys3(NR_IOCTL, dev, LOOP_SET_STATUS, (long)&li);
	if (ret < 0)
		return fail(ret);
	puts_("ok\n");
	return 0;
}

static int simple(int dev, unsigned int cmd, long arg)
{
	long ret = sys3(NR_IOCTL, dev, cmd, arg);

	if (ret < 0)
		return fail(ret);
	puts_("ok\n");
	return 0;
}

static int configure(int dev, int fd)
{
	struct loop_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = fd;
	return simple(dev, LOOP_CONFIGURE, (long)&cfg);
}

int lxctl32_main(int argc, char **argv);
int lxctl32_main(int argc, char **argv)
{
	const char *cmd;
	int dev;

	BUILD_BUG_ON(sizeof(struct loop_info32) != 140);
	BUILD_BUG_ON(sizeof(struct loop_info64) != 232);
	BUILD_BUG_ON(sizeof(struct loop_config) != 304);
	if (argc < 3)
		help();
	cmd = argv[1];
	dev = open_or_die(argv[2], O_RDWR);
	if (str_eq(cmd, "get-status") && argc == 3)
		return get_status(dev);
	if (str_eq(cmd, "get-status64") && argc == 3)
		return get_status64(dev);
	if (str_eq(cmd, "set-status"))
		return set_status(dev, argc - 3, argv + 3);
	if (str_eq(cmd, "clr-fd") && argc == 3)
		return simple(dev, LOOP_CLR_FD, 0);
	if (str_eq(cmd, "set-fd") && argc == 4)
		return simple(dev, LOOP_SET_FD, open_or_die(argv[3], O_RDWR));
	if (str_eq(cmd, "configure") && argc == 4)
		return configure(dev, open_or_die(argv[3], O_RDWR));
	help();
	return 2;
}

/* Called from _start with the initial stack: argc, then argv[]. */
void lxctl32_start(long *sp);
void lxctl32_start(long *sp)
{
	die(lxctl32_main((int)sp[0], (char **)(sp + 1)));
}

asm(".globl _start\n"
	"_start:\n"
	"xorl %ebp, %ebp\n"
	"movl %esp, %eax\n"
	"andl $-16, %esp\n"
	"subl $12, %esp\n"
	"pushl %eax\n"
	"call lxctl32_start\n"
	"hlt\n");
