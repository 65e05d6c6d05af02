#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# loopx's strict detach (LOOPX_IOC_DETACH via "loopx --strict -d" and
# "loopx --wait -d"): on a held or mounted device --strict fails with
# EBUSY and changes nothing (no autoclear armed, data still there);
# --wait blocks until the holder is gone and returns only once the device
# is unbound; on an idle device both detach at once; ENXIO when unbound.
. "$(dirname "$0")/lib.sh"
only_family loopx compat

f=$(mkrand 2)
d=$(attach "$f")
hold "$d"
rc=0
"$LX" --strict -d "$d" 2>"$WORK/err" || rc=$?
eq "$rc" 1 "exit status of --strict -d on a held device"
grep -q "Device or resource busy" "$WORK/err" || fail "--strict -d: $(cat "$WORK/err")"
note "--strict -d said: $(cat "$WORK/err")"
bound "$d" || fail "unbound by a failed --strict -d"
eq "$(sysattr "$d" loop/autoclear)" 0 "autoclear after a failed --strict -d"
eq "$(sha_direct "$d")" "$(sha "$f")" "data after a failed --strict -d"

"$LX" --wait -d "$d" 2>"$WORK/err" &
waiter=$!
PIDS+=("$waiter")
sleep 2
kill -0 "$waiter" 2>/dev/null || fail "--wait -d returned while the device was held"
bound "$d" || fail "--wait -d unbound a held device"
kill_hold "$HOLD_PID"
rc=0
wait "$waiter" || rc=$?
eq "$rc" 0 "exit status of --wait -d: $(cat "$WORK/err")"
! bound "$d" || fail "bound after --wait -d returned"

d=$(attach "$f")
"$LX" --strict -d "$d" || fail "--strict -d of an idle device: exit $?"
! bound "$d" || fail "bound after --strict -d returned"
rc=0
"$LX" --strict -d "$d" 2>"$WORK/err" || rc=$?
eq "$rc" 1 "exit status of --strict -d on an unbound device"
grep -q "No such device or address" "$WORK/err" || fail "--strict -d unbound: $(cat "$WORK/err")"

# Mounted: a holder without an open file descriptor of ours.
d=$(attach "$f")
mkfs.ext4 -q -F "$d"
mnt "$d" "$WORK/mnt"
rc=0
"$LX" --strict -d "$d" 2>"$WORK/err" || rc=$?
eq "$rc" 1 "exit status of --strict -d on a mounted device"
bound "$d" || fail "unbound by --strict -d while mounted"
touch "$WORK/mnt/still-works" || fail "fs unusable after a failed --strict -d"
pass
