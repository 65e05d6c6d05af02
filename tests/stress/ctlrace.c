// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctlrace - scenario 03: threads racing the control node against binding,
 * unbinding, opening and closing, for a fixed time.
 *
 *   ctlrace SECONDS MAXDEV FILE_A FILE_B [SEED]
 *
 * Two threads each of:
 *   ctl   LOOP_CTL_ADD (a given index or any), LOOP_CTL_REMOVE,
 *         LOOP_CTL_GET_FREE on indexes below MAXDEV;
 *   bind  open a device, LOOP_CONFIGURE (sometimes with autoclear) with
 *         FILE_A or FILE_B, maybe read, then LOOP_CLR_FD, LOOPX_IOC_DETACH
 *         or just close;
 *   open  open a device, read its first 4 KiB, close.
 * Every answer must be one the ABI allows for the situation (e.g. REMOVE:
 * 0, ENODEV or EBUSY); anything else is counted and printed. A read that
 * returns data must return FILE_A's or FILE_B's first 4 KiB, and a read
 * after a successful open returns either that or 0 bytes (unbound).
 *
 * Prints a counter line; exit 1 on any unexpected answer.
 */
#include "stress.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NTHREADS	6
#define MAXMSG		20

enum op { ADD, ADD_ANY, REMOVE, GET_FREE, OPEN, CONFIGURE, CLR_FD, DETACH,
	  READ, NOPS };

static const char *const op_names[NOPS] = {
	"ctl_add", "ctl_add_any", "ctl_remove", "ctl_get_free", "open",
	"configure", "clr_fd", "detach", "read",
};

static struct {
	double end;
	int maxdev;
	const char *file[2];
	unsigned char want[2][4096];
	int ctl;
} g;

static atomic_ulong calls[NOPS], oks[NOPS], unexpected, bad_data,
	read_empty;
static atomic_int msgs;

/* Check an answer against the errnos allowed for @op; 0 = success. */
static void check(enum op op, int ret, int err, const int *allowed)
{
	atomic_fetch_add(&calls[op], 1);
	if (ret >= 0) {
		atomic_fetch_add(&oks[op], 1);
		return;
	}
	for (; *allowed; allowed++)
		if (err == *allowed)
			return;
	atomic_fetch_add(&unexpected, 1);
	if (atomic_fetch_add(&msgs, 1) < MAXMSG)
		printf("# unexpected: %s -> %s\n", op_names[op], errname(err));
}

static const int e_add[] = { EEXIST, 0 };
static const int e_add_any[] = { 0 };
static const int e_remove[] = { ENODEV, EBUSY, 0 };
static const int e_get_free[] = { 0 };
/* the node went with the device, or the device is being deleted */
static const int e_open[] = { ENOENT, ENXIO, 0 };
static const int e_configure[] = { EBUSY, 0 };
static const int e_clr[] = { ENXIO, 0 };
static const int e_detach[] = { EBUSY, ENXIO, 0 };

static void ctl_step(__u64 *rs)
{
	int idx = rnd_below(rs, g.maxdev), ret;

	switch (rnd_below(rs, 4)) {
	case 0:
		ret = ioctl(g.ctl, LOOP_CTL_ADD, idx);
		check(ADD, ret, errno, e_add);
		if (ret >= 0 && ret != idx) {
			atomic_fetch_add(&unexpected, 1);
			printf("# LOOP_CTL_ADD %d returned %d\n", idx, ret);
		}
		break;
	case 1:
		ret = ioctl(g.ctl, LOOP_CTL_ADD, -1);
		check(ADD_ANY, ret, errno, e_add_any);
		/* keep the population bounded */
		if (ret >= g.maxdev)
			ioctl(g.ctl, LOOP_CTL_REMOVE, ret);
		break;
	case 2:
		ret = ioctl(g.ctl, LOOP_CTL_REMOVE, idx);
		check(REMOVE, ret, errno, e_remove);
		break;
	default:
		ret = ioctl(g.ctl, LOOP_CTL_GET_FREE);
		check(GET_FREE, ret, errno, e_get_free);
		if (ret >= g.maxdev)
			ioctl(g.ctl, LOOP_CTL_REMOVE, ret);
		break;
	}
}

static int open_dev(__u64 *rs, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/loopx%d",
		 (int)rnd_below(rs, g.maxdev));
	fd = open(path, flags | O_CLOEXEC);
	check(OPEN, fd, errno, e_open);
	return fd;
}

static void read_check(int fd, unsigned char *buf)
{
	ssize_t n = pread(fd, buf, 4096, 0);

	atomic_fetch_add(&calls[READ], 1);
	if (n == 4096) {
		atomic_fetch_add(&oks[READ], 1);
		if (memcmp(buf, g.want[0], 4096) &&
		    memcmp(buf, g.want[1], 4096)) {
			atomic_fetch_add(&bad_data, 1);
			if (atomic_fetch_add(&msgs, 1) < MAXMSG)
				printf("# read: data of neither backing file\n");
		}
	} else if (n == 0) {
		/* unbound: an empty medium */
		atomic_fetch_add(&read_empty, 1);
	} else {
		/*
		 * Never right: an opener keeps the binding (detach defers
		 * or says EBUSY), and an unbound device reads 0 bytes.
		 */
		atomic_fetch_add(&unexpected, 1);
		if (atomic_fetch_add(&msgs, 1) < MAXMSG)
			printf("# read: %zd (%s)\n", n,
			       n < 0 ? errname(errno) : "short");
	}
}

static void bind_step(__u64 *rs, unsigned char *buf)
{
	struct loop_config cfg;
	struct loopx_detach req;
	int fd, ffd, ret, which = rnd_below(rs, 2);

	fd = open_dev(rs, O_RDWR);
	if (fd < 0)
		return;
	ffd = open(g.file[which], O_RDWR | O_CLOEXEC);
	if (ffd < 0)
		die("open %s: %s", g.file[which], strerror(errno));
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = ffd;
	if (rnd_below(rs, 4) == 0)
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (rnd_below(rs, 4) == 0)
		cfg.info.lo_flags |= LO_FLAGS_DIRECT_IO;
	ret = ioctl(fd, LOOP_CONFIGURE, &cfg);
	check(CONFIGURE, ret, errno, e_configure);
	close(ffd);
	if (rnd_below(rs, 2))
		read_check(fd, buf);
	switch (rnd_below(rs, 3)) {
	case 0:
		ret = ioctl(fd, LOOP_CLR_FD, 0);
		check(CLR_FD, ret, errno, e_clr);
		break;
	case 1:
		memset(&req, 0, sizeof(req));
		ret = ioctl(fd, LOOPX_IOC_DETACH, &req);
		check(DETACH, ret, errno, e_detach);
		break;
	default:
		break;
	}
	close(fd);
}

static void open_step(__u64 *rs, unsigned char *buf)
{
	int fd = open_dev(rs, rnd_below(rs, 2) ? O_RDONLY : O_RDWR);

	if (fd < 0)
		return;
	read_check(fd, buf);
	if (rnd_below(rs, 4) == 0)
		sleep_ms(rnd_below(rs, 5));
	close(fd);
}

struct worker {
	pthread_t thr;
	int role;	/* 0 ctl, 1 bind, 2 open */
	__u64 rs;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	unsigned char *buf;

	if (posix_memalign((void **)&buf, 4096, 4096))
		die("out of memory");
	while (now_s() < g.end) {
		switch (w->role) {
		case 0:
			ctl_step(&w->rs);
			break;
		case 1:
			bind_step(&w->rs, buf);
			break;
		default:
			open_step(&w->rs, buf);
			break;
		}
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[NTHREADS];
	unsigned long total = 0, failures;
	__u64 seed;
	int i, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5 || argc > 6)
		die("usage: ctlrace SECONDS MAXDEV FILE_A FILE_B [SEED]");
	g.maxdev = parse_ul(argv[2]);
	g.file[0] = argv[3];
	g.file[1] = argv[4];
	seed = argc == 6 ? parse_ul(argv[5]) : (__u64)time(NULL);
	printf("# ctlrace seed %llu\n", (unsigned long long)seed);
	for (i = 0; i < 2; i++) {
		fd = open(g.file[i], O_RDONLY);
		if (fd < 0 || pread(fd, g.want[i], 4096, 0) != 4096)
			die("cannot read %s", g.file[i]);
		close(fd);
	}
	g.ctl = open("/dev/loopx-control", O_RDWR | O_CLOEXEC);
	if (g.ctl < 0)
		die("open /dev/loopx-control: %s", strerror(errno));
	g.end = now_s() + parse_ul(argv[1]);
	for (i = 0; i < NTHREADS; i++) {
		w[i].role = i % 3;
		w[i].rs = seed_mix(seed, i);
		pthread_create(&w[i].thr, NULL, worker, &w[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].thr, NULL);

	printf("ctlrace:");
	for (i = 0; i < NOPS; i++) {
		printf(" %s=%lu/%lu", op_names[i], oks[i], calls[i]);
		total += calls[i];
	}
	failures = unexpected + bad_data;
	printf(" calls=%lu read_empty=%lu unexpected=%lu bad_data=%lu failures=%lu\n",
	       total, read_empty, unexpected, bad_data, failures);
	return failures ? 1 : 0;
}
