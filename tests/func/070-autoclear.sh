#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LO_FLAGS_AUTOCLEAR: the device unbinds at its last close.  Configured
# while another process holds it open, it stays bound and usable (opens
# and closes by others do not end it) until that holder exits; configured
# with nobody else holding it, it is gone as soon as the configuring
# process closes it.  Set later by SET_STATUS64 it works the same, and
# SET_STATUS64 can clear it again.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 4)
d=$(free_dev)

hold "$d"
expect_errno ok lxctl configure "$d" "$f" --flags 4
bound "$d" || fail "unbound while still held"
eq "$(sysattr "$d" loop/autoclear)" 1 autoclear
eq "$(flags_nodio "$d")" 4 lo_flags
eq "$(sha_direct "$d")" "$(sha "$f")" "data while held"
dd if=/dev/zero of="$d" bs=4096 count=1 oflag=direct status=none ||
	fail "write while held"
bound "$d" || fail "unbound after other openers closed"
kill_hold "$HOLD_PID"
wait_unbound "$d" || fail "still bound after the last close"
expect_errno ENXIO lxctl get-status64 "$d"
eq "$(devsize "$d")" 0 "size after autoclear"

# Nobody else holds it: lxctl's own close is the last one.
expect_errno ok lxctl configure "$d" "$f" --flags 4
wait_unbound "$d" || fail "configure with AUTOCLEAR and no holder: still bound"

# Set and cleared through SET_STATUS64.
expect_errno ok lxctl set-fd "$d" "$f"
hold "$d"
expect_errno ok lxctl set-status64 "$d" flags=4
eq "$(sysattr "$d" loop/autoclear)" 1 "autoclear set by SET_STATUS64"
expect_errno ok lxctl set-status64 "$d" flags=0
eq "$(sysattr "$d" loop/autoclear)" 0 "autoclear cleared by SET_STATUS64"
kill_hold "$HOLD_PID"
sleep 0.5
bound "$d" || fail "unbound at last close although autoclear was cleared"
hold "$d"
expect_errno ok lxctl set-status64 "$d" flags=4
kill_hold "$HOLD_PID"
wait_unbound "$d" || fail "autoclear from SET_STATUS64: still bound after last close"
pass
