#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# I/O past the end of the device fails: a write at the end gets ENOSPC, a
# write that straddles the end writes only the part inside, a read at the
# end returns nothing.  With a sizelimit the file beyond the limit stays
# untouched and the file never grows.  Catches a driver that trusts the
# request position without the size (a write past sizelimit lands in the
# file) or extends the backing file.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 16)
orig=$(sha "$f")
tail_sha=$(sha "$f" $((8 << 20)))
d=$(attach --sizelimit $((8 << 20)) "$f")
eq "$(devsize "$d")" $((8 << 20)) size

if out=$(dd if=/dev/zero of="$d" bs=4096 seek=2048 count=1 oflag=direct 2>&1); then
	fail "write at the end of $d succeeded: $out"
fi
echo "$out" | grep -q "No space left on device" ||
	fail "write at the end: expected ENOSPC, got: $out"

# Straddling: the first block is inside, the second is not.
out=$(dd if=/dev/zero of="$d" bs=4096 seek=2047 count=2 oflag=direct 2>&1) &&
	fail "write across the end of $d succeeded: $out"
n=$(dd if="$d" bs=4096 skip=2048 count=1 iflag=direct status=none | wc -c)
eq "$n" 0 "bytes read at the end"
n=$(dd if="$d" bs=4096 skip=2047 count=2 iflag=direct status=none | wc -c)
eq "$n" 4096 "bytes read across the end"

"$LX" -d "$d"
eq "$(stat -c %s "$f")" $((16 << 20)) "file size"
eq "$(sha "$f" $((8 << 20)))" "$tail_sha" "file beyond the sizelimit"
eq "$(sha "$f" $(((8 << 20) - 4096)) 4096)" "$(sha_zero 4096)" \
   "last block inside the limit (was written)"
[ "$(sha "$f")" != "$orig" ] || fail "the in-range block was not written"
pass
