#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In compat mode loopx turns direct I/O on exactly when stock loop.ko does:
# only when the caller asks for it (LO_FLAGS_DIRECT_IO in LOOP_CONFIGURE,
# LOOP_SET_DIRECT_IO 1, or a backing fd opened with O_DIRECT), never by
# default, and LOOP_SET_STATUS(64) can neither set nor clear it.  After
# each raw ioctl (lxctl) and each losetup call below, lo_flags from
# LOOP_GET_STATUS64 and from the old LOOP_GET_STATUS and sysfs loop/dio
# must equal what stock loop returned for the same call in the test VM
# (Debian 6.1.0-57, measured on a backing file on the ext4 scratch disk;
# the numbers are written below as literals).  On a tmpfs file, which has
# no O_DIRECT on 6.1, LOOP_SET_DIRECT_IO 1 fails with EINVAL and leaves the
# device bound, buffered and readable; LOOP_CONFIGURE with
# LO_FLAGS_DIRECT_IO binds it buffered with the flag cleared.  tmpfs takes
# O_DIRECT since Linux 6.6: where it does (6.12), there is no file without
# O_DIRECT to try, and the tmpfs cases are left out.
#
# Families: loop is the yardstick (must pass against loop.ko), compat must
# give the same numbers.  Native loopx has the opposite default, so there
# only its own promises are checked: a plain bind uses direct I/O where the
# file allows it (dio_default), the same tmpfs LOOP_SET_DIRECT_IO case, and
# LOOP_CONFIGURE with LO_FLAGS_DIRECT_IO on the tmpfs file fails with
# EINVAL and leaves the device unbound (native refuses what it cannot do).
#
# Fails if compat mode turns direct I/O on by default (the module parameter
# direct_io applied in compat mode as in native), if it ignores an O_DIRECT
# backing fd, lets LOOP_SET_STATUS64 toggle LO_FLAGS_DIRECT_IO, reports a
# different lo_flags through the old struct, changes the device on a
# refused LOOP_SET_DIRECT_IO, or if native mode binds buffered instead of
# refusing a LOOP_CONFIGURE that asked for direct I/O it cannot have.
. "$(dirname "$0")/lib.sh"

# compat's default follows stock loop only while the module parameter is
# left at its default (-1) or forced off; direct_io=1 asks for the opposite.
if is_family compat && [[ " ${LOOPX_PARAMS:-} " == *" direct_io=1 "* ]]; then
	skip "compat loaded with direct_io=1: direct I/O on by request, not loop's default"
fi

status_old() {
	local out
	out=$("$LXCTL" get-status "$1") || fail "get-status $1: $out"
	echo "$out"
}

# state DEV WHAT LO_FLAGS DIO: both GET_STATUS calls and sysfs agree with
# the expected values.
state() {
	eq "$(field "$(status64 "$1")" lo_flags)" "$3" "$2: lo_flags (GET_STATUS64)"
	eq "$(field "$(status_old "$1")" lo_flags)" "$3" "$2: lo_flags (GET_STATUS)"
	eq "$(sysattr "$1" loop/dio)" "$4" "$2: loop/dio"
}

unbind() {
	expect_errno ok lxctl clr-fd "$1"
	! bound "$1" || fail "$1 still bound after CLR_FD"
}

f=$(mkrand 4)
d=$(free_dev)

# A tmpfs file: no O_DIRECT on 6.1 (shmem has no direct_IO, so the open
# lacks FMODE_CAN_ODIRECT and stock's __loop_update_dio() says no).
mnt none "$WORK/tmpfs" -t tmpfs -o size=16m
t=$WORK/tmpfs/img
head -c $((4 << 20)) "$f" >"$t"
tmpfs_dio=0
dd if="$t" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null &&
	tmpfs_dio=1
[ "$tmpfs_dio" = 0 ] ||
	note "tmpfs takes O_DIRECT on $(uname -r): tmpfs cases left out"

# LOOP_SET_DIRECT_IO 1 on the tmpfs file, which is bound buffered: EINVAL
# (stock: __loop_update_dio() leaves use_dio false, loop_set_dio() sees
# it differ from the request), and the device stays bound, buffered and
# readable.
tmpfs_set_dio() {
	expect_errno ok lxctl configure "$d" "$t"
	state "$d" "tmpfs: CONFIGURE" 0 0
	expect_errno EINVAL lxctl set-dio "$d" 1
	bound "$d" || fail "tmpfs: unbound by a refused SET_DIRECT_IO"
	state "$d" "tmpfs: refused SET_DIRECT_IO 1" 0 0
	eq "$(sha_direct "$d")" "$(sha "$t")" "tmpfs: data after a refused SET_DIRECT_IO"
	unbind "$d"
}

if is_family loopx; then
	# Native: direct I/O by default where the file allows it, so
	# lo_flags carries LO_FLAGS_DIRECT_IO (16) after a plain bind.
	n=$(dio_default)
	expect_errno ok lxctl configure "$d" "$f"
	state "$d" "native: CONFIGURE" $((n * 16)) "$n"
	unbind "$d"
	expect_errno ok lxctl set-fd "$d" "$f"
	state "$d" "native: SET_FD" $((n * 16)) "$n"
	unbind "$d"

	[ "$tmpfs_dio" = 1 ] && pass
	tmpfs_set_dio
	# Asked for direct I/O the file cannot do: refused, nothing bound.
	expect_errno EINVAL lxctl configure "$d" "$t" --flags 16
	! bound "$d" || fail "native: tmpfs CONFIGURE with DIRECT_IO left $d bound"
	pass
fi
need losetup

# --- raw ioctls ---------------------------------------------------------

# LOOP_SET_FD, then LOOP_SET_STATUS64 with AUTOCLEAR|PARTSCAN (4|8).  The
# fd is plain O_RDWR and SET_FD passes lo_flags 0, so buffered: 0, dio 0.
# SET_STATUS may set both flags; DIRECT_IO stays off: 12, dio 0.  The
# device is held open meanwhile, or autoclear would unbind it at lxctl's
# close; it must go at the holder's.
hold "$d"
expect_errno ok lxctl set-fd "$d" "$f"
state "$d" "SET_FD" 0 0
expect_errno ok lxctl set-status64 "$d" flags=12
state "$d" "SET_FD + SET_STATUS64 AUTOCLEAR|PARTSCAN" 12 0
eq "$(sysattr "$d" loop/autoclear)" 1 "autoclear"
eq "$(sysattr "$d" loop/partscan)" 1 "partscan"
kill_hold "$HOLD_PID"
wait_unbound "$d" || fail "$d still bound after its holder closed (autoclear)"

# A backing fd opened with O_DIRECT: stock's loop_update_dio() ORs in
# f_flags & O_DIRECT, so SET_FD turns direct I/O on: 16, dio 1.
expect_errno ok lxctl set-fd "$d" "$f" --o-direct
state "$d" "SET_FD, fd O_DIRECT" 16 1
# LOOP_SET_DIRECT_IO 0 still turns it off (0, dio 0), and a later
# LOOP_SET_STATUS64 keeps it off: loop_set_status() passes only use_dio,
# not the fd's O_DIRECT, to __loop_update_dio().
expect_errno ok lxctl set-dio "$d" 0
state "$d" "SET_FD O_DIRECT, SET_DIRECT_IO 0" 0 0
expect_errno ok lxctl set-status64 "$d" offset=0
state "$d" "SET_FD O_DIRECT, SET_DIRECT_IO 0, SET_STATUS64" 0 0
unbind "$d"

# LOOP_CONFIGURE without LO_FLAGS_DIRECT_IO: buffered, 0, dio 0.
expect_errno ok lxctl configure "$d" "$f"
state "$d" "CONFIGURE" 0 0
# LOOP_SET_STATUS64 and LOOP_SET_STATUS asking for DIRECT_IO: both
# succeed (stock masks the flag out, LOOP_SET_STATUS_SETTABLE_FLAGS is
# AUTOCLEAR|PARTSCAN) and nothing changes: 0, dio 0.
expect_errno ok lxctl set-status64 "$d" flags=16
state "$d" "SET_STATUS64 lo_flags=DIRECT_IO" 0 0
expect_errno ok lxctl set-status "$d" flags=16
state "$d" "SET_STATUS lo_flags=DIRECT_IO" 0 0
# LOOP_SET_DIRECT_IO 1: on, 16, dio 1.
expect_errno ok lxctl set-dio "$d" 1
state "$d" "SET_DIRECT_IO 1" 16 1
# LOOP_SET_STATUS64 cannot clear it either (not in the clearable flags):
# succeeds, still 16, dio 1.
expect_errno ok lxctl set-status64 "$d" flags=0
state "$d" "SET_DIRECT_IO 1, SET_STATUS64 lo_flags=0" 16 1
# LOOP_SET_DIRECT_IO 0: off, 0, dio 0; again: still ok.
expect_errno ok lxctl set-dio "$d" 0
state "$d" "SET_DIRECT_IO 0" 0 0
expect_errno ok lxctl set-dio "$d" 0
state "$d" "SET_DIRECT_IO 0 twice" 0 0
unbind "$d"

# LOOP_CONFIGURE with LO_FLAGS_DIRECT_IO (16): on, 16, dio 1.
expect_errno ok lxctl configure "$d" "$f" --flags 16
state "$d" "CONFIGURE DIRECT_IO" 16 1
unbind "$d"

# --- losetup (util-linux 2.38.1: LOOP_CONFIGURE, O_DIRECT fd for --direct-io)

# Plain: 0, dio 0.
l=$(losetup -f --show "$f") || fail "losetup -f --show"
state "$l" "losetup -f --show" 0 0
losetup -d "$l"
# --direct-io=on: LO_FLAGS_DIRECT_IO and an O_DIRECT fd: 16, dio 1.
l=$(losetup -f --show --direct-io=on "$f") || fail "losetup --direct-io=on"
state "$l" "losetup -f --show --direct-io=on" 16 1
losetup -d "$l"
# -P: LO_FLAGS_PARTSCAN only: 8, dio 0.
l=$(losetup -f --show -P "$f") || fail "losetup -P"
state "$l" "losetup -f --show -P" 8 0
eq "$(sysattr "$l" loop/partscan)" 1 "losetup -P: partscan"
losetup -d "$l"
# On a bound device --direct-io=on|off is LOOP_SET_DIRECT_IO: 16/1, 0/0.
l=$(losetup -f --show "$f") || fail "losetup -f --show"
losetup --direct-io=on "$l" || fail "losetup --direct-io=on $l"
state "$l" "losetup --direct-io=on DEV" 16 1
losetup --direct-io=off "$l" || fail "losetup --direct-io=off $l"
state "$l" "losetup --direct-io=off DEV" 0 0
losetup -d "$l"

# --- a file without O_DIRECT ----------------------------------------------

[ "$tmpfs_dio" = 1 ] && pass
tmpfs_set_dio
# LOOP_CONFIGURE with LO_FLAGS_DIRECT_IO on the tmpfs file: stock binds
# it (loop_configure() never fails for this) and __loop_update_dio()
# clears the flag: 0, dio 0, data readable.
expect_errno ok lxctl configure "$d" "$t" --flags 16
state "$d" "tmpfs: CONFIGURE DIRECT_IO" 0 0
eq "$(sha_direct "$d")" "$(sha "$t")" "tmpfs: data after CONFIGURE DIRECT_IO"
if [ -r "$(sysof "$d")/loop/dio_reason" ]; then
	[ -n "$(sysattr "$d" loop/dio_reason)" ] ||
		fail "tmpfs: CONFIGURE DIRECT_IO: dio_reason empty"
	note "dio_reason: $(sysattr "$d" loop/dio_reason)"
fi
unbind "$d"
pass
