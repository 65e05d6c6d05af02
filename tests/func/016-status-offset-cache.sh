#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_SET_STATUS64 changing the offset while the device has cached and
# dirty pages: it must succeed (old kernels said EAGAIN), the dirty data
# must be written at the old offset first, and later buffered reads must
# see the file at the new offset, not the stale cache of the old mapping.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 16)
orig=$WORK/orig
cp "$f" "$orig"
pat=$(mkrand 1 pat)
d=$(free_dev)
expect_errno ok lxctl set-fd "$d" "$f"
hold "$d"	# keep the device's page cache alive between commands

cat "$d" >/dev/null				# cache every page
dd if="$pat" of="$d" bs=1M count=1 status=none	# dirty the first MiB
expect_errno ok lxctl set-status64 "$d" offset=1048576

eq "$(sha "$f" 0 $((1 << 20)))" "$(sha "$pat")" \
   "data written before the offset change, in the file at the old offset"
eq "$(devsize "$d")" $((15 << 20)) "size after the offset change"
eq "$(sha "$d" 0 $((1 << 20)))" "$(sha "$orig" $((1 << 20)) $((1 << 20)))" \
   "buffered read of the first MiB after the offset change"
eq "$(sha "$d")" "$(sha "$orig" $((1 << 20)))" \
   "buffered read of the whole device after the offset change"
pass
