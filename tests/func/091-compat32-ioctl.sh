#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 32-bit programs (tests/helpers/lxctl32, i386) go through the driver's
# compat_ioctl: LOOP_GET_STATUS/LOOP_SET_STATUS use the 140-byte i386
# struct loop_info, whose 16-bit dev_t and 32-bit unsigned long differ from
# x86_64's; LOOP_SET_FD, LOOP_CONFIGURE, LOOP_GET_STATUS64 and LOOP_CLR_FD
# must work as well.  The values must equal what the 64-bit calls see.
. "$(dirname "$0")/lib.sh"

X32=$REPO/tests/helpers/lxctl32
[ -x "$X32" ] || skip "lxctl32 not built (compiler cannot emit i386 code)"
rc=0
"$X32" get-status /dev/null >/dev/null 2>&1 || rc=$?
[ "$rc" != 126 ] || skip "kernel cannot run i386 programs"

f=$(mkimg 16M)
d=$(free_dev)
expect_errno ok "$X32" set-fd "$d" "$f"
bound "$d" || fail "not bound after 32-bit SET_FD"
s=$("$X32" get-status "$d") || fail "32-bit GET_STATUS: $s"
eq "$(field "$s" lo_number)" "$(devidx "$d")" lo_number
eq "$(field "$s" lo_device)" "$(stat -c %d "$f")" lo_device
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" lo_inode
eq "$(field "$s" lo_offset)" 0 lo_offset
eq "$(($(field "$s" lo_flags) & ~16))" 0 lo_flags
eq "$(field "$s" lo_name)" "" lo_name
eq "$(field "$s" lo_init0)" 0 lo_init0

expect_errno ok "$X32" set-status "$d" offset=1048576 file_name=compat32 flags=8
s=$(status64 "$d")
eq "$(field "$s" lo_offset)" 1048576 "offset set by 32-bit SET_STATUS"
eq "$(field "$s" lo_file_name)" compat32 "name set by 32-bit SET_STATUS"
eq "$(($(field "$s" lo_flags) & ~16))" 8 "flags set by 32-bit SET_STATUS"
eq "$(devsize "$d")" $((15 << 20)) "size after 32-bit SET_STATUS"
s=$("$X32" get-status "$d") || fail "32-bit GET_STATUS: $s"
eq "$(field "$s" lo_offset)" 1048576 "32-bit lo_offset"
eq "$(field "$s" lo_name)" compat32 "32-bit lo_name"
s=$("$X32" get-status64 "$d") || fail "32-bit GET_STATUS64: $s"
eq "$(field "$s" lo_offset)" 1048576 "32-bit GET_STATUS64 lo_offset"
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" "32-bit GET_STATUS64 lo_inode"
eq "$(field "$s" lo_file_name)" compat32 "32-bit GET_STATUS64 name"
expect_errno ok "$X32" clr-fd "$d"
! bound "$d" || fail "bound after 32-bit CLR_FD"
expect_errno ENXIO "$X32" get-status "$d"

expect_errno ok "$X32" configure "$d" "$f"
bound "$d" || fail "not bound after 32-bit CONFIGURE"
expect_errno ok "$X32" clr-fd "$d"
pass
