#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A bound device refuses a second LOOP_SET_FD or LOOP_CONFIGURE with
# EBUSY and keeps its binding (backing file, offset, data), also when the
# second call names the same file.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 2 f)
g=$(mkrand 2 g)
d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --offset 512
for ioctl in set-fd configure; do
	expect_errno EBUSY lxctl $ioctl "$d" "$g"
	expect_errno EBUSY lxctl $ioctl "$d" "$f"
done
expect_errno EBUSY lxctl configure "$d" "$g" --flags 1
eq "$(sysattr "$d" loop/backing_file)" "$f" "backing_file"
eq "$(sysattr "$d" loop/offset)" 512 "offset"
eq "$(sysattr "$d" ro)" 0 "ro"
eq "$(sha_direct "$d")" "$(sha "$f" 512 $(((2 << 20) - 512)))" "data"
pass
