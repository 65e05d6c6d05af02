// SPDX-License-Identifier: GPL-2.0-only
/*
 * stio - the precise I/O and detach steps the stress scenarios need, each
 * reporting the exact errno, which dd and the CLI do not:
 *
 *   stio detach DEV [--wait] [--signal-after MS]
 *	LOOPX_IOC_DETACH; prints "ok openers=N holders=N", "EBUSY openers=N
 *	holders=N" or the errno. --signal-after sends SIGALRM (no SA_RESTART)
 *	after MS milliseconds, to check that a waiting detach answers EINTR.
 *   stio write DEV OFFSET LEN SEED [--direct] [--fsync]
 *   stio verify DEV OFFSET LEN SEED [--direct]
 *	Write or check a pattern that depends on SEED and on the byte's
 *	absolute offset, so a block landing in the wrong place is caught.
 *	SEED 0 is all zeros. Prints "ok", "mismatch at OFF", "short at OFF"
 *	(end of device) or "OP ERRNO at OFF".
 *   stio opened DEV
 *	How many open file descriptors of other processes refer to DEV (by
 *	device number, so partitions and other names do not count); exit 0
 *	if any. Cheaper than scanning /proc from the shell under TCG.
 *   stio zeros-or-eio DEV OFFSET LEN [--direct]
 *	Every 4 KiB block reads as zeros, fails with EIO, or lies past the
 *	end; prints "ok zeros=N eio=N eof=N" or "bad ...".
 *
 * Exit status 0 for "ok", 1 otherwise, 2 on usage errors.
 */
#include "stress.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define CHUNK (1024UL * 1024)

static int o_direct, o_fsync, o_wait;
static long o_signal_ms = -1;

static void help(void)
{
	fputs("usage: stio detach DEV [--wait] [--signal-after MS]\n"
	      "       stio write DEV OFFSET LEN SEED [--direct] [--fsync]\n"
	      "       stio verify DEV OFFSET LEN SEED [--direct]\n"
	      "       stio opened DEV\n"
	      "       stio zeros-or-eio DEV OFFSET LEN [--direct]\n", stderr);
	exit(2);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int cmd_detach(const char *dev)
{
	struct loopx_detach req;
	struct sigaction sa;
	int fd, ret;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open %s\n", errname(errno));
		return 1;
	}
	if (o_signal_ms >= 0) {
		struct itimerval it = { { 0, 0 }, { o_signal_ms / 1000,
						     (o_signal_ms % 1000) * 1000 } };

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	memset(&req, 0, sizeof(req));
	req.flags = o_wait ? LOOPX_DETACH_WAIT : 0;
	ret = ioctl(fd, LOOPX_IOC_DETACH, &req);
	if (ret < 0 && errno != EBUSY) {
		printf("%s\n", errname(errno));
		return 1;
	}
	printf("%s openers=%u holders=%u\n", ret ? "EBUSY" : "ok",
	       req.openers, req.holders);
	return ret ? 1 : 0;
}

static int cmd_opened(const char *dev)
{
	struct stat want, st;
	struct dirent *p, *f;
	DIR *proc, *fds;
	char path[600];
	int n = 0;

	if (stat(dev, &want) || !S_ISBLK(want.st_mode)) {
		printf("stat %s\n", errname(errno));
		return 2;
	}
	proc = opendir("/proc");
	if (!proc)
		die("opendir /proc: %s", strerror(errno));
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9' ||
		    atoi(p->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			if (!stat(path, &st) && S_ISBLK(st.st_mode) &&
			    st.st_rdev == want.st_rdev)
				n++;
		}
		closedir(fds);
	}
	closedir(proc);
	printf("%d\n", n);
	return n ? 0 : 1;
}

/* The pattern word at an absolute byte offset (a multiple of 8). */
static __u64 pat(__u64 seed, __u64 off)
{
	__u64 x;

	if (!seed)
		return 0;
	x = seed_mix(seed, off >> 3);
	return rnd(&x);
}

static void fill(unsigned char *buf, __u64 seed, __u64 off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		__u64 w = pat(seed, off + i);

		memcpy(buf + i, &w, 8);
	}
}

static int open_dev(const char *dev, int flags)
{
	int fd = open(dev, flags | O_CLOEXEC | (o_direct ? O_DIRECT : 0));

	if (fd < 0)
		printf("open %s\n", errname(errno));
	return fd;
}

static unsigned char *buffer(void)
{
	void *p;

	if (posix_memalign(&p, 4096, CHUNK))
		die("stio: out of memory");
	return p;
}

static int cmd_write(const char *dev, __u64 off, __u64 len, __u64 seed)
{
	unsigned char *buf = buffer();
	__u64 done = 0;
	ssize_t n;
	int fd;

	fd = open_dev(dev, O_WRONLY);
	if (fd < 0)
		return 1;
	while (done < len) {
		size_t chunk = len - done < CHUNK ? len - done : CHUNK;

		fill(buf, seed, off + done, chunk);
		n = pwrite(fd, buf, chunk, off + done);
		if (n < 0) {
			printf("write %s at %llu\n", errname(errno),
			       (unsigned long long)(off + done));
			return 1;
		}
		if (n == 0) {
			printf("short at %llu\n", (unsigned long long)(off + done));
			return 1;
		}
		done += n;
	}
	if (o_fsync && fsync(fd) < 0) {
		printf("fsync %s\n", errname(errno));
		return 1;
	}
	if (close(fd) < 0) {
		printf("close %s\n", errname(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int cmd_verify(const char *dev, __u64 off, __u64 len, __u64 seed)
{
	unsigned char *buf = buffer(), *want = buffer();
	__u64 done = 0;
	ssize_t n;
	int fd;

	fd = open_dev(dev, O_RDONLY);
	if (fd < 0)
		return 1;
	while (done < len) {
		size_t chunk = len - done < CHUNK ? len - done : CHUNK;
		size_t i;

		n = pread(fd, buf, chunk, off + done);
		if (n < 0) {
			printf("read %s at %llu\n", errname(errno),
			       (unsigned long long)(off + done));
			return 1;
		}
		if (n == 0) {
			printf("short at %llu\n", (unsigned long long)(off + done));
			return 1;
		}
		fill(want, seed, off + done, n);
		if (memcmp(buf, want, n)) {
			for (i = 0; i < (size_t)n && buf[i] == want[i]; i++)
				;
			printf("mismatch at %llu\n",
			       (unsigned long long)(off + done + i));
			return 1;
		}
		done += n;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_zeros_or_eio(const char *dev, __u64 off, __u64 len)
{
	unsigned char *buf = buffer();
	unsigned long zeros = 0, eio = 0, eof = 0;
	__u64 pos;
	ssize_t n, i;
	int fd;

	fd = open_dev(dev, O_RDONLY);
	if (fd < 0)
		return 1;
	for (pos = off; pos < off + len; pos += 4096) {
		n = pread(fd, buf, 4096, pos);
		if (n < 0 && errno == EIO) {
			eio++;
			continue;
		}
		if (n < 0) {
			printf("bad: read %s at %llu\n", errname(errno),
			       (unsigned long long)pos);
			return 1;
		}
		if (n == 0) {
			eof++;
			continue;
		}
		for (i = 0; i < n; i++)
			if (buf[i])
				break;
		if (i < n) {
			printf("bad: data at %llu\n",
			       (unsigned long long)(pos + i));
			return 1;
		}
		zeros++;
	}
	close(fd);
	printf("ok zeros=%lu eio=%lu eof=%lu\n", zeros, eio, eof);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pos[5];
	int npos = 0, i;

	if (argc < 3)
		help();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--direct"))
			o_direct = 1;
		else if (!strcmp(argv[i], "--fsync"))
			o_fsync = 1;
		else if (!strcmp(argv[i], "--wait"))
			o_wait = 1;
		else if (!strcmp(argv[i], "--signal-after") && i + 1 < argc)
			o_signal_ms = parse_ul(argv[++i]);
		else if (argv[i][0] == '-' || npos == (int)ARRAY_SIZE(pos))
			help();
		else
			pos[npos++] = argv[i];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* the pattern comes in 8-byte words */
	if (npos >= 3 && (parse_ul(pos[1]) % 8 || parse_ul(pos[2]) % 8))
		help();

	if (!strcmp(argv[1], "detach") && npos == 1)
		return cmd_detach(pos[0]);
	if (!strcmp(argv[1], "opened") && npos == 1)
		return cmd_opened(pos[0]);
	if (!strcmp(argv[1], "write") && npos == 4)
		return cmd_write(pos[0], parse_ul(pos[1]), parse_ul(pos[2]),
				 parse_ul(pos[3]));
	if (!strcmp(argv[1], "verify") && npos == 4)
		return cmd_verify(pos[0], parse_ul(pos[1]), parse_ul(pos[2]),
				  parse_ul(pos[3]));
	if (!strcmp(argv[1], "zeros-or-eio") && npos == 3)
		return cmd_zeros_or_eio(pos[0], parse_ul(pos[1]),
					parse_ul(pos[2]));
	help();
	return 2;
}
