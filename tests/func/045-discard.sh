#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Discard punches holes in the backing file: the queue advertises discard
# (discard_max_bytes > 0), blkdiscard frees the file's blocks and the
# range reads back as zeros; blkdiscard -z (write zeroes) zeroes exactly
# its range; fstrim on a mounted ext4 gives freed file space back.
. "$(dirname "$0")/lib.sh"
need blkdiscard fstrim

blocks() { stat -c %b "$1"; }	# 512-byte units allocated

f=$(mkimg 32M)
d=$(attach "$f")
max=$(sysattr "$d" queue/discard_max_bytes)
[ "$max" -gt 0 ] || fail "discard_max_bytes is $max"
[ "$(sysattr "$d" queue/discard_granularity)" -gt 0 ] || fail "discard_granularity is 0"

dd if=/dev/urandom of="$d" bs=1M count=16 oflag=direct status=none
sync
full=$(blocks "$f")
[ "$full" -ge $((16 << 11)) ] || fail "only $full blocks allocated after writing 16 MiB"
blkdiscard "$d" || fail "blkdiscard $d"
sync
left=$(blocks "$f")
[ "$left" -le $((full / 16)) ] || fail "blkdiscard: $left of $full blocks still allocated"
eq "$(sha_direct "$d" 0 $((16 << 20)))" "$(sha_zero $((16 << 20)))" "data after blkdiscard"

# Write zeroes over [4M, 8M) only.
pat=$(mkrand 12)
dd if="$pat" of="$d" bs=1M oflag=direct status=none
blkdiscard -z -o $((4 << 20)) -l $((4 << 20)) "$d" || fail "blkdiscard -z"
eq "$(sha_direct "$d" $((4 << 20)) $((4 << 20)))" "$(sha_zero $((4 << 20)))" "zeroed range"
eq "$(sha_direct "$d" 0 $((4 << 20)))" "$(sha "$pat" 0 $((4 << 20)))" "before the zeroed range"
eq "$(sha_direct "$d" $((8 << 20)) $((4 << 20)))" "$(sha "$pat" $((8 << 20)))" "after the zeroed range"

# fstrim: space of a deleted file goes back to the backing file.
mkfs.ext4 -q -F -E nodiscard "$d"
mnt "$d" "$WORK/mnt"
head -c 12M /dev/urandom >"$WORK/mnt/file"
sync
full=$(blocks "$f")
rm "$WORK/mnt/file"
sync
fstrim "$WORK/mnt" || fail "fstrim"
sync
left=$(blocks "$f")
[ "$left" -le $((full - (10 << 11))) ] ||
	fail "fstrim: backing file still has $left of $full blocks"
pass
