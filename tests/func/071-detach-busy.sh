#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Detaching a device that someone holds open succeeds at once (exit 0 /
# ioctl 0) but only marks it autoclear: it stays bound and working for the
# holder and anyone else, and unbinds at the last close.  Through the CLI
# (-d) and the raw LOOP_CLR_FD.  This is what lets "losetup -d" race with
# udev's blkid harmlessly.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 4)
for how in cli ioctl; do
	d=$(attach "$f")
	hold "$d"
	if [ "$how" = cli ]; then
		"$LX" -d "$d" || fail "-d of a held device: exit $?"
	else
		expect_errno ok lxctl clr-fd "$d"
	fi
	bound "$d" || fail "$how: unbound while held"
	eq "$(sysattr "$d" loop/autoclear)" 1 "$how: autoclear after detach"
	eq "$(sha_direct "$d")" "$(sha "$f")" "$how: data after detach"
	dd if=/dev/zero of="$d" bs=4096 count=1 seek=1 conv=notrunc \
	   oflag=direct status=none || fail "$how: write after detach"
	eq "$(sha "$f" 4096 4096)" "$(sha_zero 4096)" "$how: written block in the file"
	kill_hold "$HOLD_PID"
	wait_unbound "$d" || fail "$how: still bound after the holder exited"
done
pass
