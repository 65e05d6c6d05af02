#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Bind and unbind with the raw ioctls: LOOP_SET_FD then LOOP_CLR_FD, and
# LOOP_CONFIGURE then LOOP_CLR_FD.  The sysfs loop/ directory must exist
# exactly while the device is bound, the data must be the file's, and
# after CLR_FD the size is 0 and GET_STATUS64 says ENXIO.  Catches a
# half-done unbind (sysfs left behind, stale capacity, backing file kept).
. "$(dirname "$0")/lib.sh"

f=$(mkrand 4)
d=$(free_dev)

check_bound() {
	bound "$d" || fail "$1: loop/ missing"
	eq "$(sysattr "$d" loop/backing_file)" "$f" "$1: backing_file"
	eq "$(sysattr "$d" loop/offset)" 0 "$1: offset"
	eq "$(sysattr "$d" loop/sizelimit)" 0 "$1: sizelimit"
	eq "$(sysattr "$d" loop/autoclear)" 0 "$1: autoclear"
	eq "$(sysattr "$d" loop/dio)" "$(dio_default)" "$1: dio"
	eq "$(devsize "$d")" $((4 << 20)) "$1: size"
	eq "$(sha_direct "$d")" "$(sha "$f")" "$1: data"
}

check_unbound() {
	! bound "$d" || fail "$1: loop/ still there"
	eq "$(devsize "$d")" 0 "$1: size"
	expect_errno ENXIO lxctl get-status64 "$d"
}

check_unbound "before"
expect_errno ok lxctl set-fd "$d" "$f"
check_bound "after SET_FD"
expect_errno ok lxctl clr-fd "$d"
check_unbound "after CLR_FD"

expect_errno ok lxctl configure "$d" "$f"
check_bound "after CONFIGURE"
expect_errno ok lxctl clr-fd "$d"
check_unbound "after second CLR_FD"

# The device can be bound again at once.
expect_errno ok lxctl set-fd "$d" "$f"
check_bound "after rebind"
pass
