#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_SET_BLOCK_SIZE on a bound device: 1024, 2048, 4096 and back to 512
# change queue/logical_block_size (and physical, io_min) and the data read
# through the device stays the file's; invalid sizes give EINVAL and
# change nothing; while a filesystem is mounted (an exclusive opener) the
# block size cannot change (EBUSY, as Debian's 6.1 loop does).
. "$(dirname "$0")/lib.sh"

f=$(mkrand 4)
d=$(attach "$f")
for bs in 1024 2048 4096 512; do
	expect_errno ok lxctl set-block-size "$d" "$bs"
	eq "$(sysattr "$d" queue/logical_block_size)" "$bs" "logical_block_size"
	eq "$(sysattr "$d" queue/physical_block_size)" "$bs" "physical_block_size"
	eq "$(sysattr "$d" queue/minimum_io_size)" "$bs" "minimum_io_size"
	eq "$(blockdev --getss "$d")" "$bs" "blockdev --getss"
	eq "$(sha_direct "$d")" "$(sha "$f")" "data with $bs-byte blocks"
done
for bs in 1000 8192 256 0 513; do
	expect_errno EINVAL lxctl set-block-size "$d" "$bs"
	eq "$(sysattr "$d" queue/logical_block_size)" 512 "after invalid $bs"
done

mkfs.ext4 -q -F "$d"
mnt "$d" "$WORK/mnt"
expect_errno EBUSY lxctl set-block-size "$d" 4096
eq "$(sysattr "$d" queue/logical_block_size)" 512 "after EBUSY"
pass
