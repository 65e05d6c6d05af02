#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the loopx test VM, started by the initramfs after it switched to
# the overlayed host root (see tests/vm/mkinitramfs.sh).  Sets up a minimal
# system, runs the command the host runner wrote to a file in the repo,
# prints "LOOPX-VM-EXIT=<status>" and powers off.
#
# PID 1 must never simply exit (that panics the kernel), so every exit path,
# including a failing "set -e" step during setup, goes through the EXIT trap,
# which reports a status and powers the machine off.
#
# Everything is inside functions and main runs from the last line, so bash
# has parsed the whole file before running any of it: editing this script
# on the host cannot derail a VM that is booting from it.
set -eu

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# TERM=dumb: the console is a log file, not a screen; keeps colour codes
# (sfdisk, dmesg, ...) out of it.
export HOME=/root TERM=dumb LANG=C.UTF-8

# Until the command has run, a failure is the VM's, not the test's: report
# 125, which the host runner also uses for "guest died".
status=125

# shellcheck disable=SC2317 # only reached through the EXIT trap
finish() {
	local rc=$?
	trap - EXIT
	if [ "$status" = 125 ]; then
		echo "guest-init: VM setup failed (status $rc)"
	fi
	# Own line, even if the command left a partial one behind.
	printf '\nLOOPX-VM-EXIT=%s\n' "$status"
	sync
	# reboot(2) straight away: nothing to shut down cleanly, and the
	# scratch disk is thrown away anyway.
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

# /dev, /proc and /sys were moved here by the initramfs; add the rest of
# a minimal system.
setup_mounts() {
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	# Guest-private /tmp and /run: the host's would show through the
	# overlay otherwise.
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs -o mode=755 tmpfs /run
	mount -t debugfs debugfs /sys/kernel/debug
	# configfs is a module in Debian's kernel; /sys/kernel/config
	# appears once it is loaded.
	modprobe configfs
	mount -t configfs configfs /sys/kernel/config
}

# What udev would add to devtmpfs on a normal boot, as far as tests need it.
setup_dev() {
	local mod name dev majmin

	# /dev/fd for bash process substitution and friends.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr

	# Nodes that load their module on first open, so e.g. "losetup -f"
	# works.  Only a few: every mknod costs a fork over 9p under TCG.
	while read -r mod name dev; do
		case "$mod" in loop | dm_mod | fuse) ;; *) continue ;; esac
		[ -e "/dev/$name" ] && continue
		[ "${name%/*}" = "$name" ] || mkdir -p "/dev/${name%/*}"
		majmin=${dev#?}
		mknod -m 600 "/dev/$name" "${dev%"$majmin"}" \
			"${majmin%:*}" "${majmin#*:}"
	done <"/lib/modules/$(uname -r)/modules.devname"
}

main() {
	local repo='' cmdfile='' outtag='' arg uptime blk serial
	local -a cmdline

	# The initramfs left stdout/stderr on /dev/console; tests get no input.
	exec </dev/null

	# Our parameters are dotted so the kernel ignores them (see
	# mkinitramfs.sh).
	read -r -a cmdline </proc/cmdline
	for arg in "${cmdline[@]}"; do
		case "$arg" in
		lxvm.repo=*) repo=${arg#*=} ;;
		lxvm.cmd=*) cmdfile=${arg#*=} ;;
		lxvm.outtag=*) outtag=${arg#*=} ;;
		esac
	done
	if [ -z "$repo" ] || [ -z "$cmdfile" ]; then
		echo "guest-init: no lxvm.repo= or lxvm.cmd= on the kernel command line"
		exit 1
	fi

	setup_mounts
	setup_dev
	echo loopx-vm >/proc/sys/kernel/hostname
	# Report stuck I/O within a minute instead of two; the host runner
	# fails the run on "blocked for more than".
	if [ -w /proc/sys/kernel/hung_task_timeout_secs ]; then
		echo 60 >/proc/sys/kernel/hung_task_timeout_secs
	fi

	cd "$repo"
	# Writable share for results: build/vm/out is the host's directory,
	# not the overlay's copy.
	if [ -n "$outtag" ]; then
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 \
			"$outtag" build/vm/out
	fi

	# Scratch disk: a fresh sparse host file; the runner gives it the
	# serial "lxscratch" (other disks may be attached too).
	export LOOPX_VM=1 LOOPX_REPO="$repo"
	for blk in /sys/block/vd*; do
		serial=''
		read -r serial <"$blk/serial" 2>/dev/null || true
		[ "$serial" = lxscratch ] || continue
		mkfs.ext4 -q -F "/dev/${blk##*/}"
		mkdir -p /scratch
		mount "/dev/${blk##*/}" /scratch
		export LOOPX_SCRATCH=/scratch
	done

	read -r uptime _ </proc/uptime
	echo "guest-init: ready after ${uptime}s, running: $(cat "$cmdfile")"

	# The command file holds one shell-quoted command line (written by
	# run-in-vm.sh with printf %q), so any argument survives unchanged.
	set +e
	bash "$cmdfile"
	status=$?
	set -e
}

trap finish EXIT
main "$@"
exit
