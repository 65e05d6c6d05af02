#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The control node's ADD and REMOVE: ADD(n) returns n and the node exists
# (unbound) when it returns; ADD of an existing n is EEXIST; REMOVE of a
# bound device and of an open one is EBUSY (and they keep working); REMOVE
# of an unused one returns 0 and the node is gone; REMOVE of a missing one
# is ENODEV; ADD(-1) picks a free index.
. "$(dirname "$0")/lib.sh"

n=77
[ ! -e "$(dev $n)" ] || fail "$(dev $n) exists before the test"
d=$(dev $n)
out=$(lxctl ctl-add $n) || fail "ADD($n): $out"
eq "$out" "ok $n" "ADD($n) return value"
[ -b "$d" ] || fail "$d is not a block device after ADD"
[ -d "$(sysblk $n)" ] || fail "$(sysblk $n) missing after ADD"
! bound "$d" || fail "$d is bound after ADD"
expect_errno EEXIST lxctl ctl-add $n

f=$(mkrand 1)
expect_errno ok lxctl set-fd "$d" "$f"
expect_errno EBUSY lxctl ctl-remove $n
eq "$(sha_direct "$d")" "$(sha "$f")" "data after a refused REMOVE"
expect_errno ok lxctl clr-fd "$d"

hold "$d"
expect_errno EBUSY lxctl ctl-remove $n
[ -b "$d" ] || fail "$d gone after a refused REMOVE"
kill_hold "$HOLD_PID"

expect_errno ok lxctl ctl-remove $n
[ ! -e "$d" ] || fail "$d still exists after REMOVE"
[ ! -e "$(sysblk $n)" ] || fail "$(sysblk $n) still exists after REMOVE"
expect_errno ENODEV lxctl ctl-remove $n
expect_errno ENODEV lxctl ctl-remove 12345

# ADD(-1): the driver picks the index.
out=$(lxctl ctl-add -1) || fail "ADD(-1): $out"
i=${out#ok }
[ -b "$(dev "$i")" ] || fail "ADD(-1) returned $i but $(dev "$i") is missing"
expect_errno ok lxctl ctl-remove "$i"
pass
