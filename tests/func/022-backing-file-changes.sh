#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The device shows the backing file as it is now: a write to the file by
# someone else is seen by an O_DIRECT read of the device (buffered and
# direct-I/O mode; a driver that caches file data of its own, or reads
# around the file's dirty page cache, returns the old bytes); and once the
# file is unlinked the device keeps working on the open file, with sysfs
# backing_file saying "(deleted)".
. "$(dirname "$0")/lib.sh"

for dio in off on; do
	f=$(mkrand 4 "f-$dio")
	pat=$(mkrand 1 "pat-$dio")
	d=$(attach --direct-io=$dio "$f")
	cat "$d" >/dev/null
	dd if="$pat" of="$f" bs=1M seek=1 conv=notrunc status=none
	eq "$(sha_direct "$d" $((1 << 20)) $((1 << 20)))" "$(sha "$pat")" \
	   "device read after the file was written (dio $dio)"
	want=$(sha "$f")
	rm "$f"
	eq "$(sysattr "$d" loop/backing_file)" "$f (deleted)" "backing_file after unlink"
	eq "$(sha_direct "$d")" "$want" "data after unlink (dio $dio)"
	dd if=/dev/zero of="$d" bs=4096 count=1 oflag=direct status=none ||
		fail "write after unlink (dio $dio)"
	"$LX" -d "$d" || fail "detach after unlink (dio $dio)"
done
pass
