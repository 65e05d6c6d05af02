// SPDX-License-Identifier: GPL-2.0-only
/*
 * mem-devices - one step in the life of many devices of a loop-ABI driver,
 * so that the memory they cost can be read in between (bench/run.sh).
 *
 *	mem-devices add    CONTROL   FIRST N	LOOP_CTL_ADD of FIRST..FIRST+N-1
 *	mem-devices bind   DEVPREFIX FIRST N FILE	LOOP_CONFIGURE, read-only
 *	mem-devices unbind DEVPREFIX FIRST N	LOOP_CLR_FD
 *	mem-devices remove CONTROL   FIRST N	LOOP_CTL_REMOVE
 *
 * The same binary drives both drivers.  Exits 1 with a message on the
 * first failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "mem-devices: %s %s: %s\n", what, path,
		strerror(errno));
	exit(1);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		die("open", path);
	return fd;
}

/* LOOP_CTL_ADD or LOOP_CTL_REMOVE of each index. */
static void control(const char *ctl, unsigned long cmd, long first, long n)
{
	int fd = open_or_die(ctl, O_RDWR);
	long i;

	for (i = first; i < first + n; i++)
		if (ioctl(fd, cmd, i) < 0)
			die(cmd == LOOP_CTL_ADD ? "LOOP_CTL_ADD on" :
			    "LOOP_CTL_REMOVE on", ctl);
	close(fd);
}

/* Bind FILE read-only to each device, or (no FILE) unbind each. */
static void devices(const char *prefix, long first, long n, const char *file)
{
	struct loop_config cfg;
	char dev[64];
	long i;
	int fd;

	memset(&cfg, 0, sizeof(cfg));
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
	if (file)
		cfg.fd = open_or_die(file, O_RDONLY);
	for (i = first; i < first + n; i++) {
		snprintf(dev, sizeof(dev), "%s%ld", prefix, i);
		fd = open_or_die(dev, O_RDONLY);
		if (file && ioctl(fd, LOOP_CONFIGURE, &cfg))
			die("LOOP_CONFIGURE on", dev);
		if (!file && ioctl(fd, LOOP_CLR_FD))
			die("LOOP_CLR_FD on", dev);
		close(fd);
	}
	if (file)
		close(cfg.fd);
}

int main(int argc, char **argv)
{
	long first, n;

	if (argc < 5)
		goto usage;
	first = strtol(argv[3], NULL, 10);
	n = strtol(argv[4], NULL, 10);
	if (first < 0 || n <= 0)
		goto usage;
	if (!strcmp(argv[1], "add") && argc == 5)
		control(argv[2], LOOP_CTL_ADD, first, n);
	else if (!strcmp(argv[1], "remove") && argc == 5)
		control(argv[2], LOOP_CTL_REMOVE, first, n);
	else if (!strcmp(argv[1], "bind") && argc == 6)
		devices(argv[2], first, n, argv[5]);
	else if (!strcmp(argv[1], "unbind") && argc == 5)
		devices(argv[2], first, n, NULL);
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr,
		"usage: mem-devices add|remove CONTROL FIRST N\n"
		"       mem-devices bind DEVPREFIX FIRST N FILE\n"
		"       mem-devices unbind DEVPREFIX FIRST N\n");
	return 2;
}
