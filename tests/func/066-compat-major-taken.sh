#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# With loop loaded (the stock family), loopx.ko compat=1 cannot have block
# major 7: the load fails with EBUSY and a kernel message that says loop is
# loaded or built in and that compat=0 works, and stock loop keeps
# serving its devices.  Native loopx still loads beside it.
. "$(dirname "$0")/lib.sh"
only_family loop

[ -d /sys/module/loop ] || fail "stock loop is not loaded"
out=$(insmod "$KO" compat=1 2>&1) && {
	rmmod loopx
	fail "insmod compat=1 succeeded with loop loaded"
}
note "insmod compat=1: $out"
case "$out" in
*"Device or resource busy"*) ;;
*) fail "insmod compat=1: expected EBUSY, got '$out'" ;;
esac
dmesg | grep -q "needs block major 7, which is taken (loop is loaded or built into this kernel)" ||
	fail "no kernel message naming the taken major"
[ ! -d /sys/module/loopx ] || fail "/sys/module/loopx exists after the failed load"

f=$(mkimg 16M)
d=$(attach "$f")
bound "$d" || fail "stock loop cannot bind after the failed load"

insmod "$KO" || fail "native loopx does not load beside loop"
[ -c /dev/loopx-control ] || { rmmod loopx; fail "no /dev/loopx-control"; }
rmmod loopx || fail "rmmod loopx"
pass
