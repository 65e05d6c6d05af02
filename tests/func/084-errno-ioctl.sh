#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ioctls the driver does not know, and bad pointers.  loopx answers an
# unknown ioctl number with ENOTTY (the VFS convention); stock 6.1 loop
# says EINVAL (lo_simple_ioctl's default), which is recorded, not
# required.  The control node: stock says ENOSYS for unknown numbers.
# A NULL status pointer is EINVAL, a bad one EFAULT, for both drivers.
. "$(dirname "$0")/lib.sh"

if is_family loop; then unknown=EINVAL; else unknown=ENOTTY; fi
f=$(mkimg 1M)
d=$(free_dev)
for cmd in 0x4C0B 0x4C7F 0x4CFF 0x1234; do
	expect_errno "$unknown" lxctl raw "$d" "$cmd" 0
done
expect_errno ok lxctl set-fd "$d" "$f"
for cmd in 0x4C0B 0x4C7F 0x4CFF 0x1234; do
	expect_errno "$unknown" lxctl raw "$d" "$cmd" 0
done
bound "$d" || fail "unknown ioctls unbound $d"

expect_errno EINVAL lxctl raw "$d" LOOP_GET_STATUS64 0
expect_errno EINVAL lxctl raw "$d" LOOP_GET_STATUS 0
expect_errno EFAULT lxctl raw "$d" LOOP_GET_STATUS64 1
expect_errno EFAULT lxctl raw "$d" LOOP_GET_STATUS 1
expect_errno EFAULT lxctl raw "$d" LOOP_SET_STATUS64 1
expect_errno EFAULT lxctl raw "$d" LOOP_SET_STATUS 1
expect_errno ok lxctl clr-fd "$d"
expect_errno EFAULT lxctl raw "$d" LOOP_CONFIGURE 1
! bound "$d" || fail "$d bound after CONFIGURE with a bad pointer"

# Control node: the device ioctls mean nothing there.  Stock says ENOSYS;
# for loopx ENOTTY or the same ENOSYS will do, never success or EINVAL.
for cmd in 0x4C83 LOOP_SET_FD 0x1234; do
	got=$(lxctl raw "$CTL" "$cmd" 0) || true
	case "$LOOPX_FAMILY:$got" in
	loop:ENOSYS|loopx:ENOTTY|loopx:ENOSYS|compat:ENOTTY|compat:ENOSYS) ;;
	*) fail "control ioctl $cmd: got '$got'" ;;
	esac
	note "control ioctl $cmd: $got"
done
pass
