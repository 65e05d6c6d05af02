// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach-cycle - time attach+detach cycles of a loop-ABI driver.
 *
 *	attach-cycle CONTROL DEVPREFIX FILE CYCLES
 *	attach-cycle /dev/loop-control  /dev/loop  /mnt/bench/file 200
 *	attach-cycle /dev/loopx-control /dev/loopx /mnt/bench/file 200
 *
 * One cycle asks of the driver what "losetup -f --show FILE" followed by
 * "losetup -d DEV" asks of it (LOOP_CTL_GET_FREE, LOOP_CONFIGURE,
 * LOOP_CLR_FD, with the same opens and closes), but without spawning two
 * processes per cycle: under TCG an exec costs more than the ioctls, and
 * losetup and cli/loopx are different programs.  The same binary drives
 * both drivers, so the two rates compare the drivers alone.
 *
 * Prints "CYCLES SECONDS" on success; exits 1 with a message on the first
 * failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static const char *ctl_path, *dev_prefix, *file_path;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "attach-cycle: %s %s: %s\n", what, path,
		strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void one_cycle(void)
{
	struct loop_config cfg;
	char dev[64];
	int ctl, fd, file, idx;

	/* Attach: find a free device, bind FILE to it in one ioctl. */
	ctl = open(ctl_path, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open", ctl_path);
	idx = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (idx < 0)
		die("LOOP_CTL_GET_FREE on", ctl_path);
	close(ctl);

	snprintf(dev, sizeof(dev), "%s%d", dev_prefix, idx);
	file = open(file_path, O_RDWR | O_CLOEXEC);
	if (file < 0)
		die("open", file_path);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open", dev);
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = file;
	if (ioctl(fd, LOOP_CONFIGURE, &cfg))
		die("LOOP_CONFIGURE on", dev);
	close(file);
	close(fd);

	/* Detach: a separate open, as "losetup -d" is a separate process. */
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open", dev);
	if (ioctl(fd, LOOP_CLR_FD))
		die("LOOP_CLR_FD on", dev);
	close(fd);
}

int main(int argc, char **argv)
{
	double t0;
	long i, cycles;

	if (argc != 5) {
		fprintf(stderr,
			"usage: attach-cycle CONTROL DEVPREFIX FILE CYCLES\n");
		return 2;
	}
	ctl_path = argv[1];
	dev_prefix = argv[2];
	file_path = argv[3];
	cycles = strtol(argv[4], NULL, 10);
	if (cycles <= 0) {
		fprintf(stderr, "attach-cycle: bad CYCLES '%s'\n", argv[4]);
		return 2;
	}

	t0 = now();
	for (i = 0; i < cycles; i++)
		one_cycle();
	printf("%ld %.6f\n", cycles, now() - t0);
	return 0;
}
