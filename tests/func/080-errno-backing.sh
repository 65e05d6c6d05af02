#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Backing files that must be refused, through LOOP_SET_FD and
# LOOP_CONFIGURE, with upstream loop's errnos: a closed fd is EBADF; a
# directory, a socket, a FIFO and a character device are EINVAL; the
# device itself is EBADF.  A loop of loops is refused too: with A backed
# by B, configuring B (bound) on A is EBUSY, and LOOP_CHANGE_FD of B to A
# (which would close the cycle) is EBADF.  After each refusal the device is
# still unbound.
. "$(dirname "$0")/lib.sh"

d=$(free_dev)
mkfifo "$WORK/fifo"
for ioctl in set-fd configure; do
	expect_errno EBADF lxctl $ioctl "$d" --fd 999
	expect_errno EBADF lxctl $ioctl "$d" --fd -1
	expect_errno EINVAL lxctl $ioctl "$d" --dir "$WORK"
	expect_errno EINVAL lxctl $ioctl "$d" --socket
	expect_errno EINVAL lxctl $ioctl "$d" "$WORK/fifo"
	expect_errno EINVAL lxctl $ioctl "$d" /dev/null
	expect_errno EBADF lxctl $ioctl "$d" "$d"
	! bound "$d" || fail "$d bound after a refused $ioctl"
done

# B read-only on a file, A on B; then try to put B on A.
f=$(mkrand 4)
b=$(attach -r "$f")
a=$(free_dev)
expect_errno ok lxctl configure "$a" "$b" --file-ro
eq "$(sha_direct "$a")" "$(sha "$f")" "data of a device stacked on $b"
expect_errno EBUSY lxctl configure "$b" "$a"
expect_errno EBADF lxctl change-fd "$b" "$a"
eq "$(sysattr "$b" loop/backing_file)" "$f" "backing file of $b after refusals"
# A third device on A is fine (a chain, not a cycle).
c=$(free_dev)
expect_errno ok lxctl configure "$c" "$a" --file-ro
eq "$(sha_direct "$c")" "$(sha "$f")" "data two levels up"
pass
