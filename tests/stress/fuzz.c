// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz - scenario 08: random ioctls against loopx devices, their partitions
 * and the control node, from several threads, while another thread does
 * I/O and another opens and closes devices.
 *
 *   fuzz CALLS WORKDIR [--threads N] [--maxdev N] [--seed S]
 *
 * WORKDIR holds the files used as backing files (every regular file in it;
 * run.sh puts random data and a GPT image there). Commands: every loop
 * ioctl, LOOPX_IOC_DETACH, LOOPX_IOC_CONFIGURE, the control ioctls and
 * LOOPX_CTL_CONFIGURE (both with a struct loopx_crypt naming a logon key
 * this program adds, or a near miss), BLKRRPART/BLKFLSBUF (they meet
 * partscan), other numbers of loop's 'L' type and fully random
 * numbers. Arguments: structs of random bytes with fields often set to
 * edge values (offsets, size limits, flags, block sizes, names without NUL),
 * and pointers that are NULL, kernel addresses, unmapped or read-only, or
 * straddle an unmapped page. Backing fds: files opened in several modes,
 * a directory, a socket, a pipe, /dev/null, the control node, loopx devices
 * (stacking), closed and absurd numbers.
 *
 * A few answers are checked (a successful LOOP_GET_STATUS64 names the
 * device asked; LOOP_CTL_ADD of index N returns N; no call takes minutes);
 * the rest is about the kernel surviving, which the runner judges from the
 * kernel log, and about the device working afterwards (run.sh).
 *
 * LOOPX_DETACH_WAIT would wait forever for the fds this program keeps open,
 * so those calls get a per-thread timer signal that interrupts them.
 */
#include "stress.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAXPOOL		64
#define MAXTHREADS	8
#define MAXMSG		20
/* a call slower than this is reported; the kernel's hung task check is 60 s */
#define SLOW_SECS	30

enum {
	C_SET_FD, C_CLR_FD, C_SET_STATUS, C_GET_STATUS, C_SET_STATUS64,
	C_GET_STATUS64, C_CHANGE_FD, C_SET_CAPACITY, C_SET_DIO,
	C_SET_BLOCK_SIZE, C_CONFIGURE, C_DETACH, C_XCONFIGURE, C_CTL_ADD,
	C_CTL_REMOVE,
	C_CTL_GET_FREE, C_CTL_CONFIGURE, C_CTL_LOOKUP, C_BLKRRPART,
	C_BLKFLSBUF, C_RANDOM_L, C_RANDOM, NCMDS
};

static const char *const cmd_names[NCMDS] = {
	"set_fd", "clr_fd", "set_status", "get_status", "set_status64",
	"get_status64", "change_fd", "set_capacity", "set_dio",
	"set_block_size", "configure", "detach", "xconfigure", "ctl_add",
	"ctl_remove",
	"ctl_get_free", "ctl_configure", "ctl_lookup", "blkrrpart",
	"blkflsbuf", "random_L", "random",
};

static struct {
	int pool[MAXPOOL];
	int npool;
	int ctl;
	int maxdev;
	long target;
	char *guard;		/* a mapped page followed by an unmapped one */
	char *ro;		/* a read-only page */
	long page;
} g;

static atomic_long ncalls, ok[NCMDS], tried[NCMDS], errs[160];
static atomic_ulong violations, slow, io_ops, io_errs, opens;
static atomic_int stop, msgs;

static void note_bad(const char *what, long a, long b)
{
	atomic_fetch_add(&violations, 1);
	if (atomic_fetch_add(&msgs, 1) < MAXMSG)
		printf("# violation: %s (%ld, %ld)\n", what, a, b);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* --- argument generators ---------------------------------------------------- */

static __u64 edge_u64(__u64 *rs)
{
	static const __u64 v[] = {
		0, 1, 511, 512, 4096, 65536, 1 << 20, 4 << 20, 64 << 20,
		(1ULL << 31) - 1, 1ULL << 32, 1ULL << 62, (1ULL << 63) - 1,
		1ULL << 63, ~0ULL, ~0ULL - 511,
	};

	if (rnd_below(rs, 4) == 0)
		return rnd(rs);
	return v[rnd_below(rs, ARRAY_SIZE(v))];
}

static __u32 edge_flags(__u64 *rs)
{
	__u32 f = 0;

	if (rnd_below(rs, 3))
		f = rnd(rs) & (LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR |
			       LO_FLAGS_PARTSCAN | LO_FLAGS_DIRECT_IO);
	if (rnd_below(rs, 8) == 0)
		f |= rnd(rs);
	return f;
}

static __u32 edge_block_size(__u64 *rs)
{
	static const __u32 v[] = {
		0, 1, 256, 511, 512, 513, 1024, 2048, 4096, 8192, 65536,
		1U << 31, ~0U,
	};

	if (rnd_below(rs, 6) == 0)
		return rnd(rs);
	return v[rnd_below(rs, ARRAY_SIZE(v))];
}

static int pool_fd(__u64 *rs)
{
	return g.pool[rnd_below(rs, g.npool)];
}

static void fill_random(__u64 *rs, void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd(rs);
}

/*
 * Now and then a transform loopx knows, with a key of a plausible size: XOR,
 * or CRYPTOAPI with a real cipher name or a near miss.
 */
static void fuzz_transfer(__u64 *rs, struct loop_info64 *i)
{
	static const char *const names[] = {
		"aes-xts-plain64", "aes-cbc-essiv:sha256", "aes-cbc-plain",
		"aes-xts-", "aes--plain64", "-xts-plain64", "aes-xts-essiv:",
		"aes-ctr-plain64", "",
	};

	switch (rnd_below(rs, 8)) {
	case 0:
		i->lo_encrypt_type = LO_CRYPT_XOR;
		i->lo_encrypt_key_size = rnd_below(rs, LO_KEY_SIZE + 2);
		break;
	case 1:
		i->lo_encrypt_type = LO_CRYPT_CRYPTOAPI;
		i->lo_encrypt_key_size = rnd_below(rs, 3) ? 32 :
					 rnd_below(rs, LO_KEY_SIZE + 2);
		memset(i->lo_crypt_name, 0, LO_NAME_SIZE);
		strcpy((char *)i->lo_crypt_name,
		       names[rnd_below(rs, ARRAY_SIZE(names))]);
		break;
	}
}

/* The logon key main() adds, 64 bytes, for struct loopx_crypt. */
#define FUZZ_KEY_DESC	"loopx-fuzz:key"

/*
 * A struct loopx_crypt: the real key or a near miss (another size, a key
 * that is not there, another key type), a cipher or a bad one, any flags
 * now and then, and random bytes where only zeroes are allowed.
 */
static void fuzz_crypt(__u64 *rs, struct loopx_crypt *c)
{
	static const char *const keys[] = {
		":64:logon:" FUZZ_KEY_DESC, ":64:logon:" FUZZ_KEY_DESC,
		":32:logon:" FUZZ_KEY_DESC, ":64:logon:loopx-fuzz:none",
		":64:user:" FUZZ_KEY_DESC, ":0:logon:" FUZZ_KEY_DESC,
		":64:logon:", "",
	};
	static const char *const ciphers[] = {
		"aes-xts-plain64", "aes-xts-plain64", "aes-cbc-essiv:sha256",
		"aes-xts-", "aes-ecb-plain64", "",
	};

	memset(c, 0, sizeof(*c));
	strcpy(c->cipher, ciphers[rnd_below(rs, ARRAY_SIZE(ciphers))]);
	strcpy(c->key, keys[rnd_below(rs, ARRAY_SIZE(keys))]);
	c->flags = rnd_below(rs, 8) ? rnd_below(rs, 8) : rnd(rs);
	c->iv_offset = rnd_below(rs, 2) ? 0 : edge_u64(rs);
	if (rnd_below(rs, 8) == 0)
		c->__reserved[rnd_below(rs, 4)] = rnd(rs);
	if (rnd_below(rs, 16) == 0)
		fill_random(rs, c, sizeof(*c));
}

/*
 * The struct loopx_crypt pointer of a configure call: none, @c or wild.
 * With @c, the status @i mostly leaves the encryption fields zero, as it
 * must for the key to be looked up at all.
 */
static __u64 fuzz_crypt_ptr(__u64 *rs, struct loopx_crypt *c,
			    struct loop_info64 *i)
{
	switch (rnd_below(rs, 8)) {
	case 0:
		/* wild: EFAULT, never a crash */
		return rnd(rs);
	case 1:
	case 2:
	case 3:
		fuzz_crypt(rs, c);
		if (rnd_below(rs, 4)) {
			i->lo_encrypt_type = 0;
			i->lo_encrypt_key_size = 0;
			memset(i->lo_crypt_name, 0, LO_NAME_SIZE);
		}
		return (__u64)(unsigned long)c;
	default:
		return 0;
	}
}

static void fuzz_info64(__u64 *rs, struct loop_info64 *i)
{
	fill_random(rs, i, sizeof(*i));
	if (rnd_below(rs, 4))
		memset(i, 0, offsetof(struct loop_info64, lo_file_name));
	if (rnd_below(rs, 2))
		i->lo_offset = edge_u64(rs);
	if (rnd_below(rs, 2))
		i->lo_sizelimit = edge_u64(rs);
	i->lo_flags = edge_flags(rs);
	if (rnd_below(rs, 8))
		i->lo_encrypt_type = 0;
	if (rnd_below(rs, 8))
		i->lo_encrypt_key_size = 0;
	if (rnd_below(rs, 2))
		i->lo_file_name[LO_NAME_SIZE - 1] = 0;
	fuzz_transfer(rs, i);
}

static void fuzz_info(__u64 *rs, struct loop_info *i)
{
	fill_random(rs, i, sizeof(*i));
	if (rnd_below(rs, 2))
		i->lo_offset = rnd_below(rs, 2) ? (int)edge_u64(rs) : 0;
	i->lo_flags = edge_flags(rs);
	if (rnd_below(rs, 8))
		i->lo_encrypt_type = 0;
	if (rnd_below(rs, 8))
		i->lo_encrypt_key_size = 0;
}

/*
 * A pointer for a struct of @len bytes: mostly a valid buffer (@buf, already
 * filled), sometimes one the kernel must refuse to touch.
 */
static unsigned long fuzz_ptr(__u64 *rs, void *buf, size_t len)
{
	switch (rnd_below(rs, 16)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 0xffff888000000000UL;	/* the direct map */
	case 3:
		/* the struct runs into the unmapped page */
		memcpy(g.guard + g.page - len / 2, buf, len / 2);
		return (unsigned long)(g.guard + g.page - len / 2);
	case 4:
		return (unsigned long)g.ro;	/* copy_to_user must fail */
	case 5:
		return (unsigned long)buf + 1;	/* misaligned, still valid */
	default:
		return (unsigned long)buf;
	}
}

/* --- one call ---------------------------------------------------------------- */

static void disarm(timer_t t)
{
	struct itimerspec its = { 0 };

	timer_settime(t, 0, &its, NULL);
}

/*
 * A tag for a binding or a lookup: mostly none or one of a few short ones
 * that bindings share, else a length at its edges over random bytes (a
 * NUL, a newline), or a wild pointer.
 */
static void fuzz_tag(__u64 *rs, __u64 *tag, __u32 *len)
{
	static char buf[LOOPX_TAG_MAX + 8];
	unsigned int i;

	*tag = (__u64)(uintptr_t)buf;
	switch (rnd_below(rs, 8)) {
	case 0:
	case 1:
		*len = 5;
		snprintf(buf, sizeof(buf), "tag-%c", 'a' + (int)rnd_below(rs, 3));
		break;
	case 2:
		*len = rnd_below(rs, 2) ? LOOPX_TAG_MAX :
					  rnd_below(rs, sizeof(buf));
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = rnd_below(rs, 8) ? 'x' : (char)rnd(rs);
		break;
	case 3:
		*len = rnd_below(rs, LOOPX_TAG_MAX + 2);
		*tag = fuzz_ptr(rs, buf, *len);
		break;
	default:
		*tag = 0;
		*len = 0;
		break;
	}
}

/*
 * A struct loopx_lookup: the numbers of a file of the pool or random ones,
 * room in @found or a wild pointer, a max at its edges, now and then a
 * flag or a reserved word set.
 */
static void fuzz_lookup(__u64 *rs, struct loopx_lookup *lk, __s32 *found,
			size_t room)
{
	struct stat st;

	if (rnd_below(rs, 4) && !fstat(pool_fd(rs), &st)) {
		lk->dev = st.st_dev;
		lk->ino = st.st_ino;
	} else {
		lk->dev = edge_u64(rs);
		lk->ino = edge_u64(rs);
	}
	lk->indices = rnd_below(rs, 4) ? (__u64)(uintptr_t)found :
					 fuzz_ptr(rs, found, room * sizeof(*found));
	lk->max = rnd_below(rs, 4) ? rnd_below(rs, room + 1) : edge_u64(rs);
	if (!rnd_below(rs, 4)) {
		lk->flags = LOOPX_LOOKUP_TAG;
		fuzz_tag(rs, &lk->tag, &lk->tag_len);
		if (rnd_below(rs, 4)) {
			lk->dev = 0;
			lk->ino = 0;
		}
	}
	if (!rnd_below(rs, 16))
		lk->flags = rnd(rs);
	if (!rnd_below(rs, 16))
		lk->__reserved[rnd_below(rs, ARRAY_SIZE(lk->__reserved))] =
			rnd(rs);
}

/* Interrupt a waiting detach: every 20 ms until disarmed (no lost wakeup). */
static void arm(timer_t t)
{
	struct itimerspec its = { { 0, 20000000 }, { 0, 20000000 } };

	timer_settime(t, 0, &its, NULL);
}

/* Detach device @index (bound by LOOPX_CTL_CONFIGURE beyond maxdev). */
static void unbind(long index)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/loopx%ld", index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, LOOP_CLR_FD, 0);
		close(fd);
	}
}

static long do_call(__u64 *rs, int fd, int cmd, int devidx, timer_t t)
{
	union {
		struct loop_info64 i64;
		struct loop_info i;
		struct loop_config c;
		struct loopx_detach d;
		struct loopx_ctl_config cc;
		struct loopx_config xc;
		struct loopx_lookup lk;
		char raw[512];
	} u;
	__s32 found[64];
	struct loopx_crypt crypt;
	unsigned long arg = 0, nr;
	unsigned int num;
	int index, waiting = 0;
	double t0;
	long ret;

	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case C_SET_FD:
		num = LOOP_SET_FD;
		arg = pool_fd(rs);
		break;
	case C_CHANGE_FD:
		num = LOOP_CHANGE_FD;
		arg = rnd_below(rs, 8) ? (unsigned long)pool_fd(rs) : rnd(rs);
		break;
	case C_CLR_FD:
		num = LOOP_CLR_FD;
		break;
	case C_SET_STATUS:
		num = LOOP_SET_STATUS;
		fuzz_info(rs, &u.i);
		arg = fuzz_ptr(rs, &u, sizeof(u.i));
		break;
	case C_GET_STATUS:
		num = LOOP_GET_STATUS;
		arg = fuzz_ptr(rs, &u, sizeof(u.i));
		break;
	case C_SET_STATUS64:
		num = LOOP_SET_STATUS64;
		fuzz_info64(rs, &u.i64);
		arg = fuzz_ptr(rs, &u, sizeof(u.i64));
		break;
	case C_GET_STATUS64:
		num = LOOP_GET_STATUS64;
		arg = fuzz_ptr(rs, &u, sizeof(u.i64));
		break;
	case C_SET_CAPACITY:
		num = LOOP_SET_CAPACITY;
		break;
	case C_SET_DIO:
		num = LOOP_SET_DIRECT_IO;
		arg = rnd_below(rs, 4) ? rnd_below(rs, 2) : rnd(rs);
		break;
	case C_SET_BLOCK_SIZE:
		num = LOOP_SET_BLOCK_SIZE;
		arg = edge_block_size(rs);
		break;
	case C_CONFIGURE:
		num = LOOP_CONFIGURE;
		fuzz_info64(rs, &u.c.info);
		u.c.fd = rnd_below(rs, 10) ? (__u32)pool_fd(rs) : rnd(rs);
		u.c.block_size = edge_block_size(rs);
		if (rnd_below(rs, 8) == 0)
			u.c.__reserved[rnd_below(rs, 8)] = rnd(rs);
		arg = fuzz_ptr(rs, &u, sizeof(u.c));
		break;
	case C_DETACH:
		num = LOOPX_IOC_DETACH;
		u.d.flags = rnd_below(rs, 8) ? rnd_below(rs, 2) : rnd(rs);
		if (rnd_below(rs, 8) == 0)
			u.d.__reserved[rnd_below(rs, 5)] = rnd(rs);
		waiting = u.d.flags & LOOPX_DETACH_WAIT;
		arg = fuzz_ptr(rs, &u, sizeof(u.d));
		break;
	case C_XCONFIGURE:
		num = LOOPX_IOC_CONFIGURE;
		fuzz_info64(rs, &u.xc.config.info);
		u.xc.config.fd = rnd_below(rs, 10) ? (__u32)pool_fd(rs) : rnd(rs);
		u.xc.config.block_size = edge_block_size(rs);
		u.xc.flags = rnd_below(rs, 4) ? rnd_below(rs, 2) : rnd(rs);
		if (rnd_below(rs, 8) == 0)
			u.xc.__reserved0 = rnd(rs);
		if (rnd_below(rs, 16) == 0)
			u.xc.ext.__reserved[rnd_below(rs, 4)] = rnd(rs);
		u.xc.crypt = fuzz_crypt_ptr(rs, &crypt, &u.xc.config.info);
		fuzz_tag(rs, &u.xc.ext.tag, &u.xc.ext.tag_len);
		arg = fuzz_ptr(rs, &u, sizeof(u.xc));
		break;
	case C_CTL_ADD:
	case C_CTL_REMOVE:
		num = cmd == C_CTL_ADD ? LOOP_CTL_ADD : LOOP_CTL_REMOVE;
		switch (rnd_below(rs, 10)) {
		case 0:
			index = (int)edge_u64(rs);
			break;
		case 1:
		case 2:
			index = g.maxdev + rnd_below(rs, 48);
			break;
		default:
			index = rnd_below(rs, g.maxdev);
			break;
		}
		arg = (unsigned long)(long)index;
		break;
	case C_CTL_GET_FREE:
		num = LOOP_CTL_GET_FREE;
		break;
	case C_CTL_CONFIGURE:
		num = LOOPX_CTL_CONFIGURE;
		fuzz_info64(rs, &u.cc.config.info);
		u.cc.config.fd = rnd_below(rs, 10) ? (__u32)pool_fd(rs) : rnd(rs);
		u.cc.config.block_size = edge_block_size(rs);
		u.cc.index = rnd_below(rs, 4) ? (int)rnd_below(rs, g.maxdev + 1) - 1 :
						(int)edge_u64(rs);
		u.cc.flags = rnd_below(rs, 4) ? rnd_below(rs, 2) : rnd(rs);
		u.cc.crypt = fuzz_crypt_ptr(rs, &crypt, &u.cc.config.info);
		if (rnd_below(rs, 16) == 0)
			u.cc.ext.__reserved0 = rnd(rs);
		fuzz_tag(rs, &u.cc.ext.tag, &u.cc.ext.tag_len);
		arg = fuzz_ptr(rs, &u, sizeof(u.cc));
		break;
	case C_CTL_LOOKUP:
		/* mostly a file of the pool, which some device may hold */
		num = LOOPX_CTL_LOOKUP;
		fuzz_lookup(rs, &u.lk, found, ARRAY_SIZE(found));
		arg = fuzz_ptr(rs, &u, sizeof(u.lk));
		break;
	case C_BLKRRPART:
		num = BLKRRPART;
		break;
	case C_BLKFLSBUF:
		num = BLKFLSBUF;
		break;
	case C_RANDOM_L:
		/* any size and direction, loop's type, any number */
		nr = rnd_below(rs, 256);
		num = _IOC(rnd_below(rs, 4), 'L', nr, rnd_below(rs, 512));
		fill_random(rs, &u, sizeof(u));
		arg = rnd_below(rs, 2) ? rnd(rs) : fuzz_ptr(rs, &u, 256);
		break;
	default:
		num = rnd(rs);
		fill_random(rs, &u, sizeof(u));
		arg = rnd_below(rs, 2) ? rnd(rs) : fuzz_ptr(rs, &u, 256);
		break;
	}

	if (waiting)
		arm(t);
	t0 = now_s();
	ret = ioctl(fd, num, arg);
	if (ret < 0)
		ret = -errno;
	if (waiting)
		disarm(t);
	if (now_s() - t0 > SLOW_SECS) {
		atomic_fetch_add(&slow, 1);
		printf("# slow: %s took %.0f s\n", cmd_names[cmd], now_s() - t0);
	}

	atomic_fetch_add(&ncalls, 1);
	atomic_fetch_add(&tried[cmd], 1);
	if (ret >= 0)
		atomic_fetch_add(&ok[cmd], 1);
	else if (-ret < (long)ARRAY_SIZE(errs))
		atomic_fetch_add(&errs[-ret], 1);

	/* the few answers with a definite right value */
	if (cmd == C_GET_STATUS64 && !ret && devidx >= 0 &&
	    arg == (unsigned long)&u && u.i64.lo_number != (__u32)devidx)
		note_bad("LOOP_GET_STATUS64 lo_number", u.i64.lo_number, devidx);
	if (cmd == C_CTL_ADD && ret >= 0 && (long)arg >= 0 &&
	    ret != (long)arg)
		note_bad("LOOP_CTL_ADD returned another index", ret, (long)arg);
	if (cmd == C_CTL_CONFIGURE && ret >= 0 && arg == (unsigned long)&u &&
	    u.cc.index != ret)
		note_bad("LOOPX_CTL_CONFIGURE index differs from its result",
			 u.cc.index, ret);
	/* keep the device population bounded */
	if (cmd == C_CTL_CONFIGURE && ret >= g.maxdev)
		unbind(ret);
	if ((cmd == C_CTL_ADD || cmd == C_CTL_GET_FREE ||
	     cmd == C_CTL_CONFIGURE) && ret >= g.maxdev)
		ioctl(g.ctl, LOOP_CTL_REMOVE, ret);
	return ret;
}

/* --- threads ----------------------------------------------------------------- */

static int open_target(__u64 *rs, int *devidx, int *is_ctl)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY,
				     O_RDWR | O_EXCL, O_WRONLY };
	char path[64];
	int fd, r = rnd_below(rs, 10);

	*devidx = rnd_below(rs, g.maxdev);
	*is_ctl = 0;
	if (r == 0) {
		*is_ctl = 1;
		*devidx = -1;
		return dup(g.ctl);
	}
	if (r == 1)
		snprintf(path, sizeof(path), "/dev/loopx%dp%d", *devidx,
			 (int)rnd_below(rs, 4) + 1);
	else
		snprintf(path, sizeof(path), "/dev/loopx%d", *devidx);
	fd = open(path, modes[rnd_below(rs, ARRAY_SIZE(modes))] | O_CLOEXEC);
	atomic_fetch_add(&opens, 1);
	return fd;
}

struct worker {
	pthread_t thr;
	__u64 rs;
	int role;	/* 0 ioctls, 1 I/O, 2 open/close */
};

static void *ioctl_thread(struct worker *w)
{
	struct sigevent sev = { 0 };
	int fd, devidx, is_ctl, n, cmd;
	timer_t t;

	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	/* glibc 2.36 has no sigev_notify_thread_id name for this field */
	sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t))
		die("timer_create: %s", strerror(errno));

	while (!atomic_load(&stop)) {
		fd = open_target(&w->rs, &devidx, &is_ctl);
		if (fd < 0)
			continue;
		for (n = rnd_below(&w->rs, 5) + 1; n > 0; n--) {
			if (is_ctl && rnd_below(&w->rs, 10))
				cmd = C_CTL_ADD + rnd_below(&w->rs, 4);
			else if (is_ctl || rnd_below(&w->rs, 20) == 0)
				cmd = rnd_below(&w->rs, NCMDS);
			else if (rnd_below(&w->rs, 10) == 0)
				cmd = C_RANDOM_L + rnd_below(&w->rs, 2);
			else
				cmd = rnd_below(&w->rs, C_CTL_ADD);
			if (rnd_below(&w->rs, 30) == 0)
				cmd = C_BLKRRPART + rnd_below(&w->rs, 2);
			do_call(&w->rs, fd, cmd, devidx, t);
			if (atomic_load(&ncalls) >= g.target)
				atomic_store(&stop, 1);
		}
		close(fd);
	}
	timer_delete(t);
	return NULL;
}

static void *io_thread(struct worker *w)
{
	unsigned char *buf;
	char path[64];
	__u64 size, off;
	size_t len;
	ssize_t n;
	int fd;

	if (posix_memalign((void **)&buf, 4096, 65536))
		die("out of memory");
	while (!atomic_load(&stop)) {
		snprintf(path, sizeof(path), "/dev/loopx%d",
			 (int)rnd_below(&w->rs, g.maxdev));
		fd = open(path, O_RDWR | O_CLOEXEC |
			  (rnd_below(&w->rs, 2) ? O_DIRECT : 0));
		if (fd < 0)
			continue;
		if (ioctl(fd, BLKGETSIZE64, &size) || size < 65536) {
			close(fd);
			sleep_ms(1);
			continue;
		}
		off = rnd_below(&w->rs, size / 4096 - 15) * 4096;
		len = (rnd_below(&w->rs, 16) + 1) * 4096;
		if (rnd_below(&w->rs, 2)) {
			fill_random(&w->rs, buf, 64);
			n = pwrite(fd, buf, len, off);
		} else {
			n = pread(fd, buf, len, off);
		}
		if (n < 0)
			atomic_fetch_add(&io_errs, 1);
		if (rnd_below(&w->rs, 8) == 0)
			fsync(fd);
		atomic_fetch_add(&io_ops, 1);
		close(fd);
	}
	free(buf);
	return NULL;
}

static void *openclose_thread(struct worker *w)
{
	int fd, devidx, is_ctl;

	while (!atomic_load(&stop)) {
		fd = open_target(&w->rs, &devidx, &is_ctl);
		if (fd < 0)
			continue;
		if (rnd_below(&w->rs, 4) == 0)
			sleep_ms(rnd_below(&w->rs, 20));
		close(fd);
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct worker *w = arg;

	if (w->role == 1)
		return io_thread(w);
	if (w->role == 2)
		return openclose_thread(w);
	return ioctl_thread(w);
}

/* --- setup -------------------------------------------------------------------- */

static void pool_add(int fd)
{
	if (fd >= 0 && g.npool < MAXPOOL)
		g.pool[g.npool++] = fd;
}

static void setup_pool(const char *dir)
{
	static const int modes[] = { O_RDWR, O_RDONLY, O_RDWR | O_DIRECT,
				     O_RDWR | O_APPEND };
	char path[600];
	struct dirent *e;
	int sv[2], pfd[2], i, fd;
	DIR *d = opendir(dir);

	if (!d)
		die("opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		for (i = 0; i < (int)ARRAY_SIZE(modes); i++)
			pool_add(open(path, modes[i] | O_CLOEXEC));
	}
	closedir(d);
	pool_add(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		pool_add(sv[0]);
	if (!pipe(pfd)) {
		pool_add(pfd[0]);
		pool_add(pfd[1]);
	}
	pool_add(open("/dev/null", O_RDWR | O_CLOEXEC));
	pool_add(g.ctl);
	/* two loopx devices held open for stacking, the rest opened per call */
	for (i = 0; i < 2 && i < g.maxdev; i++) {
		snprintf(path, sizeof(path), "/dev/loopx%d", i);
		pool_add(open(path, O_RDWR | O_CLOEXEC));
	}
	/* fds that are not open, or cannot be */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(fd);
	pool_add(fd);
	g.pool[g.npool++] = -1;
	g.pool[g.npool++] = 0x7fffffff;
	g.pool[g.npool++] = 1 << 20;
}

int main(int argc, char **argv)
{
	struct worker w[MAXTHREADS];
	int nthreads = 6, i;
	__u64 seed = (__u64)time(NULL) ^ getpid();
	unsigned char key[64];
	__u64 key_rs;
	struct sigaction sa;
	const char *dir;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		die("usage: fuzz CALLS WORKDIR [--threads N] [--maxdev N] [--seed S]");
	g.target = parse_ul(argv[1]);
	dir = argv[2];
	g.maxdev = 8;
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = parse_ul(argv[++i]);
		else if (!strcmp(argv[i], "--maxdev") && i + 1 < argc)
			g.maxdev = parse_ul(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = parse_ul(argv[++i]);
		else
			die("fuzz: bad argument '%s'", argv[i]);
	}
	if (nthreads < 3 || nthreads > MAXTHREADS || g.maxdev < 1)
		die("fuzz: 3..%d threads, maxdev >= 1", MAXTHREADS);
	printf("# fuzz seed %llu, %d threads, %d devices, %ld calls\n",
	       (unsigned long long)seed, nthreads, g.maxdev, g.target);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the ioctl sees EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	g.page = sysconf(_SC_PAGESIZE);
	g.guard = mmap(NULL, 2 * g.page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g.ro = mmap(NULL, g.page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.guard == MAP_FAILED || g.ro == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	munmap(g.guard + g.page, g.page);

	key_rs = seed;
	fill_random(&key_rs, key, sizeof(key));
	if (syscall(SYS_add_key, "logon", FUZZ_KEY_DESC, key, sizeof(key),
		    KEY_SPEC_USER_KEYRING) < 0)
		die("add_key logon %s: %s", FUZZ_KEY_DESC, strerror(errno));

	g.ctl = open("/dev/loopx-control", O_RDWR | O_CLOEXEC);
	if (g.ctl < 0)
		die("open /dev/loopx-control: %s", strerror(errno));
	setup_pool(dir);

	/* two I/O-or-open threads, the rest ioctls */
	for (i = 0; i < nthreads; i++) {
		w[i].rs = seed_mix(seed, i);
		w[i].role = i == 0 ? 1 : i == 1 ? 2 : 0;
		pthread_create(&w[i].thr, NULL, worker, &w[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].thr, NULL);

	for (i = 0; i < NCMDS; i++)
		printf("# %-15s %7ld calls, %7ld ok\n", cmd_names[i], tried[i],
		       ok[i]);
	printf("# errnos:");
	for (i = 0; i < (int)ARRAY_SIZE(errs); i++)
		if (errs[i])
			printf(" %s=%ld", errname(i), errs[i]);
	printf("\n");
	printf("fuzz: calls=%ld opens=%lu io_ops=%lu io_errors=%lu",
	       ncalls, opens, io_ops, io_errs);
	printf(" slow_calls=%lu violations=%lu failures=%lu\n", slow,
	       violations, violations + slow);
	return violations + slow ? 1 : 0;
}
