#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Reads beyond the end of the backing file return zeros, not stale data
# or errors: a sizelimit larger than the file gives the file's size; a file
# truncated under a bound device reads back zeros past its new end (in
# buffered and direct-I/O mode); holes in a sparse file read as zeros.
# Catches short reads that leave the rest of the request unfilled.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 4)
d=$(attach --sizelimit $((16 << 20)) "$f")
eq "$(devsize "$d")" $((4 << 20)) "size with a sizelimit above the file size"
"$LX" -d "$d"

# Stock 6.1 loop fails a direct-I/O read that gets nothing from the file
# with EIO (lo_complete_rq); note it and check everything else.
stock_eio=""
for dio in off on; do
	f=$(mkrand 8 "short-$dio")
	head_sha=$(sha "$f" 0 $((4 << 20)))
	d=$(attach --direct-io=$dio "$f")
	truncate -s 4M "$f"
	drop_caches
	eq "$(devsize "$d")" $((8 << 20)) "size after truncating the file (dio $dio)"
	if [ "$dio" = on ] && is_family loop &&
	   ! dd if="$d" of=/dev/null bs=1M skip=4 iflag=direct status=none; then
		stock_eio="read past the end of the file with dio gives EIO"
		"$LX" -d "$d"
		continue
	fi
	eq "$(sha_direct "$d" $((4 << 20)))" "$(sha_zero $((4 << 20)))" \
	   "beyond the truncated end (dio $dio)"
	eq "$(sha_direct "$d" 0 $((4 << 20)))" "$head_sha" \
	   "before the truncated end (dio $dio)"
	# One request that spans the end of the file.
	eq "$(dd if="$d" bs=1M skip=3 count=2 iflag=direct status=none | sha256sum | cut -d' ' -f1)" \
	   "$({ dd if="$f" bs=1M skip=3 count=1 status=none; head -c 1M /dev/zero; } | sha256sum | cut -d' ' -f1)" \
	   "a read across the truncated end (dio $dio)"
	"$LX" -d "$d"
done

f=$(mkimg 16M sparse)
pat=$(mkrand 1)
dd if="$pat" of="$f" bs=1M seek=8 conv=notrunc status=none
d=$(attach "$f")
eq "$(sha_direct "$d" 0 $((8 << 20)))" "$(sha_zero $((8 << 20)))" "hole before the data"
eq "$(sha_direct "$d" $((8 << 20)) $((1 << 20)))" "$(sha "$pat")" "data in the sparse file"
eq "$(sha_direct "$d" $((9 << 20)))" "$(sha_zero $((7 << 20)))" "hole after the data"
[ -z "$stock_eio" ] || skip "stock loop: $stock_eio; the rest passed"
pass
