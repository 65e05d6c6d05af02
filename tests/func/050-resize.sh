#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Capacity follows the backing file only when asked: growing the file
# changes nothing until "loopx -c DEV" (LOOP_SET_CAPACITY), which then
# shows the new size in blockdev --getsize64 and sysfs; the sizelimit
# still caps it; shrinking works the same way; data stays in place.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 8)
head_sha=$(sha "$f")
d=$(attach "$f")
eq "$(devsize "$d")" $((8 << 20)) "initial size"

truncate -s 32M "$f"
eq "$(devsize "$d")" $((8 << 20)) "size before -c"
"$LX" -c "$d" || fail "$LX -c $d"
eq "$(devsize "$d")" $((32 << 20)) "size after growing and -c"
eq "$(sysattr "$d" size)" 65536 "sysfs size after -c"
eq "$(sha_direct "$d" 0 $((8 << 20)))" "$head_sha" "data after growing"
eq "$(sha_direct "$d" $((8 << 20)))" "$(sha_zero $((24 << 20)))" "new space"

truncate -s 48M "$f"
expect_errno ok lxctl set-capacity "$d"
eq "$(devsize "$d")" $((48 << 20)) "size after LOOP_SET_CAPACITY"

truncate -s 16M "$f"
expect_errno ok lxctl set-capacity "$d"
eq "$(devsize "$d")" $((16 << 20)) "size after shrinking"
"$LX" -d "$d"

# With a sizelimit and an offset the limit still applies.
d=$(attach -o 1M --sizelimit 20M "$f")
eq "$(devsize "$d")" $((15 << 20)) "size: file minus offset, below the limit"
truncate -s 64M "$f"
"$LX" -c "$d" || fail "$LX -c $d"
eq "$(devsize "$d")" $((20 << 20)) "size after growing past the limit"
pass
