#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The device size is min(file size - offset, sizelimit), rounded down to
# whole 512-byte sectors (a partial sector at the end is not exposed), and
# with 4 KiB logical blocks rounded down to whole 4 KiB blocks.  Catches
# size arithmetic that rounds up (reads past EOF) or forgets a term.
. "$(dirname "$0")/lib.sh"

f=$(mkimg $(((10 << 20) + 1000)))

size_is() { # EXPECTED CLI options...
	local want=$1 d
	shift
	d=$(attach "$@" "$f")
	eq "$(devsize "$d")" "$want" "size with '$*'"
	eq "$(sysattr "$d" size)" $((want / 512)) "sysfs size with '$*'"
	"$LX" -d "$d" || fail "detach $d"
}

size_is $(((10 << 20) + 512))
size_is $((10 << 20)) -o 700
size_is $(((10 << 20) + 512)) -o 488
size_is $((5 << 20)) --sizelimit $(((5 << 20) + 100))
size_is 3999744 -o 1000 --sizelimit 4000000
size_is $(((10 << 20) + 512)) --sizelimit $((1 << 40))

# 4 KiB logical blocks: the last partial block is not part of the device.
d=$(attach -b 4096 "$f")
got=$(devsize "$d")
"$LX" -d "$d"
if is_family loop && [ "$got" = $(((10 << 20) + 512)) ]; then
	skip "stock loop does not round the size to the 4 KiB block size" \
	     "(size $got); 512-byte cases passed"
fi
eq "$got" $((10 << 20)) "size with -b 4096"
pass
