// SPDX-License-Identifier: GPL-2.0-only
/*
 * partscan - scenario 01: bind with LO_FLAGS_PARTSCAN and detach, many times,
 * while other threads open, read and close the disk and its partitions.
 *
 *   partscan DEV IMAGE ROUNDS START:SIZE... [--readers N] [--dwell MS]
 *            [--ctl CONTROL]
 *
 * START:SIZE are the partitions the image holds, in sectors (sfdisk -d).
 * Every round:
 *   1. LOOP_CONFIGURE with PARTSCAN on a read-write open of DEV, or with
 *      --ctl, LOOPX_CTL_CONFIGURE on the control node, which leaves the
 *      device node alone (closing it after a read-write open makes udev
 *      re-read the partition table: the partitions flap). Right when
 *      it returns, each partition node and its sysfs directory must exist
 *      with the right dev_t, start and size, and nothing beyond the last.
 *   2. While bound, a watcher thread keeps checking that the partitions stay
 *      (a flap is a partition missing while the device is bound).
 *   3. Uevents from the kernel (NETLINK_KOBJECT_UEVENT, udev's synthetic
 *      "change" events with SYNTH_UUID left aside) must be exactly one "add"
 *      per partition and then one "change" for the disk.
 *   4. Detach: odd rounds LOOP_CLR_FD (deferred to the readers' last close
 *      if they hold the device; the test then waits for the disk's change
 *      uevent), even rounds LOOPX_IOC_DETACH with LOOPX_DETACH_WAIT, which
 *      must return with the device already unbound.
 *   5. No partition node or sysfs entry left, loop/ gone, size 0; uevents:
 *      one "remove" per partition, then one "change" for the disk.
 * Readers compare the first 4 KiB they read from the disk or a partition with
 * the image, so stale or misplaced data is caught as well.
 *
 * Prints a counter line and exits 1 if any check failed.
 */
#include "stress.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAXP		16
#define MAXREADERS	16
#define MAXEV		256
/* detailed messages per kind of failure; the counters count them all */
#define MAXMSG		20

enum phase { UNBOUND, CONFIGURING, BOUND, DETACHING };

struct uev {
	char action[16];
	int part;		/* 0 the disk, i for partition i */
	int synth;		/* SYNTH_UUID present: written by udev */
};

static struct {
	const char *dev, *image, *ctl;
	int index;		/* of DEV, for --ctl */
	char name[64];
	int nparts;
	unsigned long long start[MAXP + 1], size[MAXP + 1];	/* sectors */
	unsigned char want[MAXP + 1][4096];	/* first 4 KiB of each */
	dev_t rdev[MAXP + 1];
	int sock;
	atomic_int phase;
	atomic_uint gen;
	atomic_int stop;
} g;

/* counters; all atomic, several threads bump them */
static atomic_ulong c_rounds, c_cfg_fail, c_missing, c_flaps, c_uev_err,
	c_detach_fail, c_left, c_opens, c_reads, c_gone, c_mismatch,
	c_eio_bound, c_bad_read, c_reader_err, c_synth, c_watch, c_deferred,
	c_strict, c_rescans;

static atomic_int msgs[8];

/* Print a diagnostic, at most MAXMSG of each kind. */
static void report(int kind, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&msgs[kind], 1) >= MAXMSG)
		return;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static void set_phase(int p)
{
	atomic_fetch_add(&g.gen, 1);
	atomic_store(&g.phase, p);
	atomic_fetch_add(&g.gen, 1);
}

static void part_path(char *buf, size_t len, int i)
{
	if (i)
		snprintf(buf, len, "/dev/%sp%d", g.name, i);
	else
		snprintf(buf, len, "/dev/%s", g.name);
}

static void part_sys(char *buf, size_t len, int i, const char *attr)
{
	if (i)
		snprintf(buf, len, "/sys/block/%s/%sp%d/%s", g.name, g.name, i,
			 attr);
	else
		snprintf(buf, len, "/sys/block/%s/%s", g.name, attr);
}

static int read_sys_ull(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int read_sys_dev(const char *path, dev_t *d)
{
	unsigned int ma, mi;
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%u:%u", &ma, &mi) == 2;
	fclose(f);
	*d = makedev(ma, mi);
	return ok ? 0 : -1;
}

static int is_bound(void);

/* --- uevents ------------------------------------------------------------ */

static int uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int sz = 8 << 20;
	int s;

	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		   NETLINK_KOBJECT_UEVENT);
	if (s < 0)
		die("uevent socket: %s", strerror(errno));
	/* a burst must not overflow the queue: a lost event looks like a bug */
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("uevent bind: %s", strerror(errno));
	return s;
}

/*
 * Which of our devices a DEVNAME names: 0 the disk, i partition i, -1 not
 * ours.
 */
static int which_dev(const char *devname)
{
	size_t n = strlen(g.name);
	int i;

	if (strncmp(devname, g.name, n))
		return -1;
	if (!devname[n])
		return 0;
	if (devname[n] != 'p' || sscanf(devname + n + 1, "%d", &i) != 1)
		return -1;
	return i;
}

/*
 * Collect the uevents for our device until none came for @idle_ms, or,
 * with @until_change, until the disk's own (non-synthetic) change arrived
 * (or @max_ms passed). Returns the number stored in @ev.
 */
static int uevent_collect(struct uev *ev, int max, int idle_ms,
			  int until_change, int max_ms)
{
	char buf[8192];
	double end = now_s() + max_ms / 1000.0;
	int n = 0;

	for (;;) {
		struct pollfd p = { .fd = g.sock, .events = POLLIN };
		int to = until_change ? (int)((end - now_s()) * 1000) : idle_ms;
		ssize_t len;
		char *s, *action = NULL, *devname = NULL;
		int synth = 0, part;

		if (until_change && to <= 0)
			break;
		if (poll(&p, 1, to) <= 0)
			break;
		len = recv(g.sock, buf, sizeof(buf) - 1, 0);
		if (len < 0) {
			if (errno == ENOBUFS) {
				report(0, "uevent queue overflowed");
				atomic_fetch_add(&c_uev_err, 1);
			}
			continue;
		}
		buf[len] = 0;
		/* "action@devpath\0KEY=value\0..."; skip udev's own messages */
		if (!strchr(buf, '@'))
			continue;
		for (s = buf + strlen(buf) + 1; s < buf + len;
		     s += strlen(s) + 1) {
			if (!strncmp(s, "ACTION=", 7))
				action = s + 7;
			else if (!strncmp(s, "DEVNAME=", 8))
				devname = s + 8;
			else if (!strncmp(s, "SYNTH_UUID=", 11))
				synth = 1;
		}
		if (!action || !devname)
			continue;
		part = which_dev(devname);
		if (part < 0)
			continue;
		if (synth) {
			atomic_fetch_add(&c_synth, 1);
			continue;
		}
		if (n < max) {
			snprintf(ev[n].action, sizeof(ev[n].action), "%s",
				 action);
			ev[n].part = part;
			ev[n].synth = synth;
			n++;
		}
		/* a rescan sends a disk change too: the unbind's comes unbound */
		if (until_change && part == 0 && !strcmp(action, "change") &&
		    !is_bound())
			until_change = 0;
	}
	return n;
}

static void uevent_format(char *out, size_t len, const struct uev *ev, int n)
{
	size_t o = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && o + 32 < len; i++) {
		if (ev[i].part)
			o += snprintf(out + o, len - o, "%s%s:p%d", i ? " " : "",
				      ev[i].action, ev[i].part);
		else
			o += snprintf(out + o, len - o, "%s%s:disk",
				      i ? " " : "", ev[i].action);
	}
}

/*
 * The promised sequence: one @part_action per partition, in any order, then
 * exactly one disk "change" as the last event.
 */
static void uevent_check(const char *what, int round, const char *part_action,
			 const struct uev *ev, int n)
{
	int seen[MAXP + 1] = { 0 };
	int i, bad = 0, disk_changes = 0;
	char desc[1024];

	for (i = 0; i < n; i++) {
		if (ev[i].part == 0 && !strcmp(ev[i].action, "change")) {
			disk_changes++;
			if (i != n - 1)
				bad = 1;
		} else if (ev[i].part > 0 && ev[i].part <= g.nparts &&
			   !strcmp(ev[i].action, part_action)) {
			seen[ev[i].part]++;
		} else {
			bad = 1;
		}
	}
	if (disk_changes != 1)
		bad = 1;
	for (i = 1; i <= g.nparts; i++)
		if (seen[i] != 1)
			bad = 1;
	/* partitions removed while bound: someone rescanned (BLKRRPART) */
	for (i = 0; i < n; i++)
		if (!strcmp(part_action, "add") &&
		    !strcmp(ev[i].action, "remove")) {
			atomic_fetch_add(&c_rescans, 1);
			break;
		}
	if (bad) {
		atomic_fetch_add(&c_uev_err, 1);
		uevent_format(desc, sizeof(desc), ev, n);
		report(1,
		       "round %d %s: uevents [%s], expected one %s per partition, then one change:disk",
		       round, what, desc, part_action);
	}
}

/* --- checks --------------------------------------------------------------- */

/* All partitions as the image says, and nothing beyond; returns problems. */
static int check_present(int round)
{
	char path[256];
	unsigned long long v;
	struct stat st;
	int i, bad = 0, fd;
	__u64 bytes;

	for (i = 1; i <= g.nparts; i++) {
		part_path(path, sizeof(path), i);
		if (stat(path, &st) || !S_ISBLK(st.st_mode)) {
			report(2, "round %d: %s missing after configure (%s)",
			       round, path, strerror(errno));
			bad++;
			continue;
		}
		part_sys(path, sizeof(path), i, "dev");
		if (read_sys_dev(path, &g.rdev[i]) || g.rdev[i] != st.st_rdev) {
			report(2, "round %d: %s missing or wrong", round, path);
			bad++;
		}
		part_sys(path, sizeof(path), i, "start");
		if (read_sys_ull(path, &v) || v != g.start[i]) {
			report(2, "round %d: %s: %llu, expected %llu", round,
			       path, v, g.start[i]);
			bad++;
		}
		part_sys(path, sizeof(path), i, "size");
		if (read_sys_ull(path, &v) || v != g.size[i]) {
			report(2, "round %d: %s: %llu, expected %llu", round,
			       path, v, g.size[i]);
			bad++;
		}
		part_path(path, sizeof(path), i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) ||
		    bytes != g.size[i] * 512) {
			report(2, "round %d: %s: cannot open or wrong size (%s)",
			       round, path, fd < 0 ? strerror(errno) : "size");
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	part_path(path, sizeof(path), g.nparts + 1);
	if (!access(path, F_OK)) {
		report(2, "round %d: unexpected %s", round, path);
		bad++;
	}
	return bad;
}

/* Unbound: no loop/, no partitions anywhere, size 0; returns problems. */
static int check_gone(int round)
{
	char path[256];
	unsigned long long v;
	int i, bad = 0;

	part_sys(path, sizeof(path), 0, "loop");
	if (!access(path, F_OK)) {
		report(3, "round %d: %s still there after detach", round, path);
		bad++;
	}
	part_sys(path, sizeof(path), 0, "size");
	if (read_sys_ull(path, &v) || v) {
		report(3, "round %d: size %llu after detach", round, v);
		bad++;
	}
	for (i = 1; i <= g.nparts + 1; i++) {
		part_path(path, sizeof(path), i);
		if (!access(path, F_OK)) {
			report(3, "round %d: %s still there after detach",
			       round, path);
			bad++;
		}
		part_sys(path, sizeof(path), i, "");
		if (!access(path, F_OK)) {
			report(3, "round %d: %s still there after detach",
			       round, path);
			bad++;
		}
	}
	return bad;
}

static int is_bound(void)
{
	char path[256];

	part_sys(path, sizeof(path), 0, "loop");
	return !access(path, F_OK);
}

/* --- threads ------------------------------------------------------------ */

/* Bound the whole time between two reads of the generation? */
static int stably_bound(unsigned int g1)
{
	return !(g1 & 1) && atomic_load(&g.phase) == BOUND &&
	       atomic_load(&g.gen) == g1;
}

static void *reader_thread(void *arg)
{
	__u64 rs = (uintptr_t)arg;
	unsigned char *buf;
	char path[256];

	if (posix_memalign((void **)&buf, 4096, 4096))
		die("out of memory");
	while (!atomic_load(&g.stop)) {
		int t = rnd_below(&rs, g.nparts + 1);
		int direct = rnd_below(&rs, 2) ? O_DIRECT : 0;
		unsigned int g1;
		int bound0, fd;
		__u64 size = 0;
		ssize_t n;

		part_path(path, sizeof(path), t);
		g1 = atomic_load(&g.gen);
		bound0 = stably_bound(g1);
		fd = open(path, O_RDONLY | O_CLOEXEC | direct);
		atomic_fetch_add(&c_opens, 1);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENXIO) {
				atomic_fetch_add(&c_reader_err, 1);
				report(4, "reader: open %s: %s", path,
				       strerror(errno));
			} else if (t && bound0 && stably_bound(g1)) {
				atomic_fetch_add(&c_flaps, 1);
				report(5, "reader: %s vanished while bound (%s)",
				       path, strerror(errno));
			} else {
				atomic_fetch_add(&c_gone, 1);
			}
			continue;
		}
		if (ioctl(fd, BLKGETSIZE64, &size))
			size = 0;
		if (size >= 4096) {
			n = pread(fd, buf, 4096, 0);
			atomic_fetch_add(&c_reads, 1);
			if (n == 4096 && memcmp(buf, g.want[t], 4096)) {
				atomic_fetch_add(&c_mismatch, 1);
				report(4, "reader: %s: first 4 KiB differ from the image",
				       path);
			} else if (n != 4096) {
				/*
				 * Never right: an opener holds the binding
				 * (detach waits or defers), so an open that
				 * saw a size must be able to read. A partition
				 * opened while the unbind dropped it is a
				 * zombie: the open should have failed.
				 */
				atomic_fetch_add(&c_bad_read, 1);
				report(7,
				       "reader: %s (%s): read %zd (%s) after open saw %llu bytes%s",
				       path, direct ? "O_DIRECT" : "buffered", n,
				       n < 0 ? errname(errno) : "short",
				       (unsigned long long)size,
				       bound0 ? ", while bound" : ", during a bind change");
			}
		} else if (!t && bound0 && stably_bound(g1)) {
			atomic_fetch_add(&c_eio_bound, 1);
			report(4, "reader: %s: size %llu while bound", path,
			       (unsigned long long)size);
		}
		close(fd);
		/*
		 * Like udev and blkid, let go now and then: a deferred detach
		 * happens at the last close, and four readers that always
		 * overlap would postpone it forever (as they would with loop).
		 */
		if (atomic_load(&g.phase) == DETACHING)
			sleep_ms(2 + rnd_below(&rs, 8));
		else
			sleep_ms(rnd_below(&rs, 3));
	}
	free(buf);
	return NULL;
}

/* Stat every partition node and sysfs entry while the device is bound. */
static void *watch_thread(void *arg)
{
	char path[256];
	struct stat st;

	(void)arg;
	while (!atomic_load(&g.stop)) {
		unsigned int g1 = atomic_load(&g.gen);
		int i;

		if (!stably_bound(g1)) {
			sleep_ms(1);
			continue;
		}
		for (i = 1; i <= g.nparts; i++) {
			int ok;

			part_path(path, sizeof(path), i);
			ok = !stat(path, &st) && st.st_rdev == g.rdev[i];
			part_sys(path, sizeof(path), i, "size");
			ok = ok && !access(path, R_OK);
			atomic_fetch_add(&c_watch, 1);
			if (!ok && stably_bound(g1)) {
				atomic_fetch_add(&c_flaps, 1);
				report(5, "watcher: partition %d missing while bound",
				       i);
			}
		}
		sleep_ms(1);
	}
	return NULL;
}

/* --- rounds ------------------------------------------------------------- */

/* Bind through the device node, or through the control node with --ctl. */
static int bind_image(int ffd, int *dfd)
{
	struct loopx_ctl_config req;
	int fd, ret;

	memset(&req, 0, sizeof(req));
	req.config.fd = ffd;
	req.config.info.lo_flags = LO_FLAGS_PARTSCAN;
	*dfd = -1;
	if (!g.ctl) {
		*dfd = open(g.dev, O_RDWR | O_CLOEXEC);
		if (*dfd < 0)
			die("open %s: %s", g.dev, strerror(errno));
		return ioctl(*dfd, LOOP_CONFIGURE, &req.config);
	}
	fd = open(g.ctl, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", g.ctl, strerror(errno));
	req.index = g.index;
	ret = ioctl(fd, LOOPX_CTL_CONFIGURE, &req);
	close(fd);
	if (ret >= 0 && (ret != g.index || req.index != g.index))
		die("LOOPX_CTL_CONFIGURE bound %d (index %d), not %d", ret,
		    req.index, g.index);
	return ret < 0 ? -1 : 0;
}

static int configure(int round)
{
	int dfd, ffd, bad;

	ffd = open(g.image, O_RDWR | O_CLOEXEC);
	if (ffd < 0)
		die("open %s: %s", g.image, strerror(errno));
	if (bind_image(ffd, &dfd)) {
		atomic_fetch_add(&c_cfg_fail, 1);
		report(6, "round %d: %s: %s", round,
		       g.ctl ? "LOOPX_CTL_CONFIGURE" : "LOOP_CONFIGURE",
		       errname(errno));
		close(ffd);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(ffd);
	/* the promise: the nodes exist when the ioctl returns */
	bad = check_present(round);
	atomic_fetch_add(&c_missing, bad);
	if (dfd >= 0)
		close(dfd);
	return 0;
}

static void detach(int round)
{
	struct uev ev[MAXEV];
	struct loopx_detach req;
	int fd, n, strict = !(round & 1);

	fd = open(g.dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", g.dev, strerror(errno));
	if (strict) {
		memset(&req, 0, sizeof(req));
		req.flags = LOOPX_DETACH_WAIT;
		atomic_fetch_add(&c_strict, 1);
		if (ioctl(fd, LOOPX_IOC_DETACH, &req)) {
			atomic_fetch_add(&c_detach_fail, 1);
			report(6, "round %d: LOOPX_IOC_DETACH(WAIT): %s", round,
			       errname(errno));
		}
		/* synchronous: everything is gone before the ioctl returned */
		atomic_fetch_add(&c_left, check_gone(round));
		close(fd);
		n = uevent_collect(ev, MAXEV, 50, 0, 0);
	} else {
		if (ioctl(fd, LOOP_CLR_FD, 0)) {
			atomic_fetch_add(&c_detach_fail, 1);
			report(6, "round %d: LOOP_CLR_FD: %s", round,
			       errname(errno));
		}
		/* still bound: a reader had it open, autoclear will do it */
		if (is_bound())
			atomic_fetch_add(&c_deferred, 1);
		close(fd);
		/*
		 * Deferred to the last close when a reader had it open: the
		 * unbind ends with the disk's change uevent.
		 */
		n = uevent_collect(ev, MAXEV, 0, 1, 30000);
		atomic_fetch_add(&c_left, check_gone(round));
		n += uevent_collect(ev + n, MAXEV - n, 50, 0, 0);
		if (is_bound()) {
			/* do not let one failure fail every later round */
			report(6, "round %d: still bound 30 s after LOOP_CLR_FD",
			       round);
			fd = open(g.dev, O_RDONLY | O_CLOEXEC);
			memset(&req, 0, sizeof(req));
			req.flags = LOOPX_DETACH_WAIT;
			if (fd < 0 || ioctl(fd, LOOPX_IOC_DETACH, &req))
				die("cannot recover %s: %s", g.dev,
				    strerror(errno));
			close(fd);
		}
	}
	uevent_check("detach", round, "remove", ev, n);
}

int main(int argc, char **argv)
{
	pthread_t thr[MAXREADERS + 1];
	int rounds, nreaders = 4, dwell = 100, i, fd;
	unsigned long failures;
	__u64 rs = 42;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5)
		die("usage: partscan DEV IMAGE ROUNDS START:SIZE... %s",
		    "[--readers N] [--dwell MS] [--ctl CONTROL]");
	g.dev = argv[1];
	g.image = argv[2];
	rounds = parse_ul(argv[3]);
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--readers") && i + 1 < argc) {
			nreaders = parse_ul(argv[++i]);
		} else if (!strcmp(argv[i], "--dwell") && i + 1 < argc) {
			dwell = parse_ul(argv[++i]);
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			g.ctl = argv[++i];
		} else if (g.nparts < MAXP &&
			   sscanf(argv[i], "%llu:%llu", &g.start[g.nparts + 1],
				  &g.size[g.nparts + 1]) == 2) {
			g.nparts++;
		} else {
			die("partscan: bad argument '%s'", argv[i]);
		}
	}
	if (nreaders > MAXREADERS || !g.nparts)
		die("partscan: 1..%d readers and at least one partition",
		    MAXREADERS);
	snprintf(g.name, sizeof(g.name), "%s", strrchr(g.dev, '/') + 1);
	g.index = (int)strtol(g.name + strcspn(g.name, "0123456789"), NULL,
			      10);

	/* what a reader must see at the start of the disk and of each part */
	fd = open(g.image, O_RDONLY);
	if (fd < 0)
		die("open %s: %s", g.image, strerror(errno));
	for (i = 0; i <= g.nparts; i++)
		if (pread(fd, g.want[i], 4096, g.start[i] * 512) != 4096)
			die("short image");
	close(fd);

	g.sock = uevent_open();
	for (i = 0; i < nreaders; i++)
		pthread_create(&thr[i], NULL, reader_thread,
			       (void *)(uintptr_t)seed_mix(7, i));
	pthread_create(&thr[nreaders], NULL, watch_thread, NULL);

	for (i = 1; i <= rounds; i++) {
		struct uev ev[MAXEV];
		int n;

		uevent_collect(ev, MAXEV, 10, 0, 0);	/* stale ones */
		set_phase(CONFIGURING);
		if (configure(i)) {
			set_phase(UNBOUND);
			continue;
		}
		set_phase(BOUND);
		sleep_ms(rnd_below(&rs, dwell + 1));
		n = uevent_collect(ev, MAXEV, 50, 0, 0);
		uevent_check("configure", i, "add", ev, n);
		set_phase(DETACHING);
		detach(i);
		set_phase(UNBOUND);
		atomic_fetch_add(&c_rounds, 1);
		sleep_ms(rnd_below(&rs, dwell / 4 + 1));
	}
	atomic_store(&g.stop, 1);
	for (i = 0; i <= nreaders; i++)
		pthread_join(thr[i], NULL);

	failures = c_cfg_fail + c_missing + c_flaps + c_uev_err +
		   c_detach_fail + c_left + c_mismatch + c_eio_bound +
		   c_reader_err + c_bad_read;
	printf("partscan: rounds=%lu configure_failures=%lu missing=%lu flaps=%lu",
	       c_rounds, c_cfg_fail, c_missing, c_flaps);
	printf(" uevent_errors=%lu detach_failures=%lu left_after_detach=%lu",
	       c_uev_err, c_detach_fail, c_left);
	printf(" reader_opens=%lu reader_reads=%lu reader_gone=%lu failed_reads=%lu",
	       c_opens, c_reads, c_gone, c_bad_read);
	printf(" data_mismatch=%lu size0_while_bound=%lu reader_errors=%lu",
	       c_mismatch, c_eio_bound, c_reader_err);
	printf(" watcher_checks=%lu synthetic_uevents=%lu strict_detaches=%lu",
	       c_watch, c_synth, c_strict);
	printf(" deferred_clr_fd=%lu rescans_while_bound=%lu failures=%lu\n",
	       c_deferred, c_rescans, failures);
	return failures ? 1 : 0;
}
