#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_CHANGE_FD swaps the file under a read-only device for one of the
# same size: afterwards reads return the new file's contents (O_DIRECT and,
# after dropping caches, buffered), sysfs backing_file and lo_inode name
# the new file.  Refused with EINVAL on a writable device, for a file of
# another size, and for a directory; EBADF for a bad fd.
. "$(dirname "$0")/lib.sh"

a=$(mkrand 8 a)
b=$(mkrand 8 b)
c=$(mkrand 4 c)

d=$(attach -r "$a")
eq "$(sha "$d")" "$(sha "$a")" "data before CHANGE_FD"
expect_errno ok lxctl change-fd "$d" "$b"
eq "$(sysattr "$d" loop/backing_file)" "$b" "backing_file after CHANGE_FD"
eq "$(field "$(status64 "$d")" lo_inode)" "$(stat -c %i "$b")" "lo_inode after CHANGE_FD"
eq "$(sha_direct "$d")" "$(sha "$b")" "O_DIRECT read after CHANGE_FD"
drop_caches
eq "$(sha "$d")" "$(sha "$b")" "buffered read after CHANGE_FD"

expect_errno EINVAL lxctl change-fd "$d" "$c"
expect_errno EINVAL lxctl change-fd "$d" --dir "$WORK"
expect_errno EBADF lxctl change-fd "$d" --fd 999
eq "$(sysattr "$d" loop/backing_file)" "$b" "backing_file after refused changes"
"$LX" -d "$d"

d=$(attach "$a")
expect_errno EINVAL lxctl change-fd "$d" "$b"
eq "$(sysattr "$d" loop/backing_file)" "$a" "backing_file of the writable device"
pass
