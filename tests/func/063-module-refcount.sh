#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The module cannot go while it is in use: rmmod fails while a device is
# bound, and while an unbound device is held open; once released, the
# refcount is back where it started.  (run.sh's final rmmod checks that
# it does go when nothing uses it.)
. "$(dirname "$0")/lib.sh"

refcnt() { cat "/sys/module/$MODNAME/refcnt"; }

base=$(refcnt)
f=$(mkimg 1M)
d=$(attach "$f")
[ "$(refcnt)" -gt "$base" ] || fail "refcnt $(refcnt) not above $base while bound"
rmmod "$MODNAME" 2>/dev/null && fail "rmmod succeeded with $d bound"
driver_loaded || fail "driver gone"
"$LX" -d "$d"
eq "$(refcnt)" "$base" "refcnt after detach"

d=$(free_dev)
hold "$d"
rmmod "$MODNAME" 2>/dev/null && fail "rmmod succeeded with $d open"
kill_hold "$HOLD_PID"
eq "$(refcnt)" "$base" "refcnt after close"
pass
