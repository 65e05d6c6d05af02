#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every call that needs a bound device gives ENXIO on an unbound one, and
# leaves it unbound: GET_STATUS, GET_STATUS64, SET_STATUS, SET_STATUS64,
# SET_CAPACITY, SET_DIRECT_IO, SET_BLOCK_SIZE, CLR_FD, CHANGE_FD.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 1M)
d=$(free_dev)
expect_errno ENXIO lxctl get-status "$d"
expect_errno ENXIO lxctl get-status64 "$d"
expect_errno ENXIO lxctl set-status "$d" --raw offset=0
expect_errno ENXIO lxctl set-status64 "$d" --raw offset=0
expect_errno ENXIO lxctl set-capacity "$d"
expect_errno ENXIO lxctl set-dio "$d" 1
expect_errno ENXIO lxctl set-dio "$d" 0
expect_errno ENXIO lxctl set-block-size "$d" 4096
expect_errno ENXIO lxctl clr-fd "$d"
expect_errno ENXIO lxctl change-fd "$d" "$f"
! bound "$d" || fail "$d bound after calls on an unbound device"

# And after a bind/unbind cycle, again.
expect_errno ok lxctl set-fd "$d" "$f"
expect_errno ok lxctl clr-fd "$d"
expect_errno ENXIO lxctl clr-fd "$d"
expect_errno ENXIO lxctl get-status64 "$d"
pass
