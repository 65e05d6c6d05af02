#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Detaching a device whose partition is mounted: -d returns 0, the
# filesystem keeps working (writes and a sync succeed), and at umount the
# device unbinds and its partition nodes disappear.  Re-attached, the
# file written after the detach is there.
. "$(dirname "$0")/lib.sh"
need sfdisk mkfs.ext4

f=$(mkimg 64M)
printf 'label: dos\nsize=32MiB\nsize=16MiB\n' | sfdisk -q "$f" >/dev/null
d=$(attach -P "$f")
p1=$(part "$d" 1)
[ -b "$p1" ] || fail "$p1 missing"
mkfs.ext4 -q -F "$p1"
mnt "$p1" "$WORK/mnt"

"$LX" -d "$d" || fail "-d of a device with a mounted partition: exit $?"
bound "$d" || fail "unbound while its partition is mounted"
head -c 5M /dev/urandom >"$WORK/mnt/after-detach"
sum=$(sha "$WORK/mnt/after-detach")
sync || fail "sync after detach"
umount "$WORK/mnt"
wait_unbound "$d" || fail "still bound after umount"
no_parts "$d"

d=$(attach -P "$f")
mnt "$(part "$d" 1)" "$WORK/mnt"
eq "$(sha "$WORK/mnt/after-detach")" "$sum" "file written after the detach"
pass
