#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_SET_DIRECT_IO switches a bound device between buffered and direct
# I/O (sysfs loop/dio follows) without losing data: what was written
# buffered is read back after switching to direct I/O (the page cache of
# the backing file must be flushed first) and the other way round.  With
# an offset that direct I/O cannot use, the switch fails with EINVAL and
# the device stays buffered.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 16M)
a=$(mkrand 8 a)
b=$(mkrand 8 b)
d=$(attach --direct-io=off "$f")
eq "$(sysattr "$d" loop/dio)" 0 "dio at start"

dd if="$a" of="$d" bs=1M status=none		# buffered, via page cache
expect_errno ok lxctl set-dio "$d" 1
eq "$(sysattr "$d" loop/dio)" 1 "dio after SET_DIRECT_IO 1"
eq "$(field "$(status64 "$d")" lo_flags)" 16 "lo_flags with dio"
eq "$(sha_direct "$d" 0 $((8 << 20)))" "$(sha "$a")" "buffered data read with dio"

dd if="$b" of="$d" bs=1M seek=8 oflag=direct status=none
expect_errno ok lxctl set-dio "$d" 0
eq "$(sysattr "$d" loop/dio)" 0 "dio after SET_DIRECT_IO 0"
eq "$(field "$(status64 "$d")" lo_flags)" 0 "lo_flags without dio"
eq "$(sha "$d" $((8 << 20)))" "$(sha "$b")" "dio data read buffered"
eq "$(sha "$f")" "$(cat "$a" "$b" | sha256sum | cut -d' ' -f1)" "backing file"
"$LX" -d "$d"

# A 1000-byte offset cannot be done with O_DIRECT on a 512-byte-sector fs.
d=$(attach -o 1000 "$f")
eq "$(sysattr "$d" loop/dio)" 0 "dio with a 1000-byte offset"
expect_errno EINVAL lxctl set-dio "$d" 1
eq "$(sysattr "$d" loop/dio)" 0 "dio after a refused switch"
if [ -r "$(sysof "$d")/loop/dio_reason" ]; then
	[ -n "$(sysattr "$d" loop/dio_reason)" ] || fail "loopx: dio_reason empty"
	note "dio_reason: $(sysattr "$d" loop/dio_reason)"
fi
pass
