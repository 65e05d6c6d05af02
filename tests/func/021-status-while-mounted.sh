#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Changing the geometry under a mounted filesystem: loopx refuses
# SET_STATUS64 offset/sizelimit changes with EBUSY while the device is
# held exclusively (a mount), and leaves everything as it was; stock 6.1
# loop allows it (recorded; upstream later added the same claim).  Other
# SET_STATUS64 changes (the name, autoclear) still work while mounted.
. "$(dirname "$0")/lib.sh"
need mkfs.ext4

f=$(mkimg 32M)
d=$(attach "$f")
mkfs.ext4 -q -F "$d"
mnt "$d" "$WORK/mnt"
echo data >"$WORK/mnt/file"
sync

if is_family loop; then want=ok; else want=EBUSY; fi
expect_errno $want lxctl set-status64 "$d" offset=4096
if [ $want = ok ]; then
	expect_errno ok lxctl set-status64 "$d" offset=0
else
	expect_errno EBUSY lxctl set-status64 "$d" sizelimit=$((16 << 20))
	eq "$(sysattr "$d" loop/offset)" 0 "offset after EBUSY"
	eq "$(sysattr "$d" loop/sizelimit)" 0 "sizelimit after EBUSY"
	eq "$(devsize "$d")" $((32 << 20)) "size after EBUSY"
fi
expect_errno ok lxctl set-status64 "$d" file_name=renamed-while-mounted
eq "$(field "$(status64 "$d")" lo_file_name)" renamed-while-mounted "name"
eq "$(cat "$WORK/mnt/file")" data "file on the mounted fs"
umount "$WORK/mnt"
# Unmounted, the same change is allowed.
expect_errno ok lxctl set-status64 "$d" offset=4096
eq "$(devsize "$d")" $(((32 << 20) - 4096)) "size after unmounting and changing"
pass
