#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every LOOP_CONFIGURE field is visible in sysfs: loop/backing_file,
# offset, sizelimit, autoclear, partscan, dio, queue/logical_block_size,
# ro and size; and the write cache is on for a writable device, off for a
# read-only one (flushes are only needed when writes can happen).  After
# CLR_FD loop/ is gone and the queue is back to 512-byte blocks, rw.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 64M)
d=$(free_dev)

# PARTSCAN|DIRECT_IO, 4 KiB blocks, aligned offset so direct I/O works.
expect_errno ok lxctl configure "$d" "$f" --offset 4096 \
	--sizelimit 16777216 --flags 24 --block-size 4096
eq "$(sysattr "$d" loop/backing_file)" "$f" backing_file
eq "$(sysattr "$d" loop/offset)" 4096 offset
eq "$(sysattr "$d" loop/sizelimit)" 16777216 sizelimit
eq "$(sysattr "$d" loop/autoclear)" 0 autoclear
eq "$(sysattr "$d" loop/partscan)" 1 partscan
eq "$(sysattr "$d" loop/dio)" 1 dio
eq "$(sysattr "$d" queue/logical_block_size)" 4096 logical_block_size
eq "$(sysattr "$d" queue/physical_block_size)" 4096 physical_block_size
eq "$(sysattr "$d" ro)" 0 ro
eq "$(blockdev --getro "$d")" 0 "blockdev --getro"
eq "$(sysattr "$d" size)" 32768 "size (sectors)"
eq "$(sysattr "$d" queue/write_cache)" "write back" write_cache
eq "$(field "$(status64 "$d")" lo_flags)" 24 lo_flags

expect_errno ok lxctl clr-fd "$d"
! bound "$d" || fail "loop/ still there after CLR_FD"
eq "$(sysattr "$d" size)" 0 "size after CLR_FD"
eq "$(sysattr "$d" queue/logical_block_size)" 512 "logical_block_size after CLR_FD"

# Read-only by flag; nothing else set.
expect_errno ok lxctl configure "$d" "$f" --flags 1
eq "$(sysattr "$d" ro)" 1 "ro with LO_FLAGS_READ_ONLY"
eq "$(blockdev --getro "$d")" 1 "blockdev --getro with LO_FLAGS_READ_ONLY"
eq "$(sysattr "$d" loop/partscan)" 0 partscan
eq "$(sysattr "$d" loop/dio)" "$(dio_default)" dio
eq "$(sysattr "$d" loop/offset)" 0 "offset"
eq "$(sysattr "$d" loop/sizelimit)" 0 "sizelimit"
eq "$(sysattr "$d" queue/logical_block_size)" 512 "default logical_block_size"
eq "$(sysattr "$d" size)" 131072 "size (sectors)"
eq "$(sysattr "$d" queue/write_cache)" "write through" "write_cache when read-only"
expect_errno ok lxctl clr-fd "$d"

# The next binding is writable again (stock loop leaves ro=1 on the
# unbound device, so only the rebound state is checked).
expect_errno ok lxctl configure "$d" "$f"
eq "$(sysattr "$d" ro)" 0 "ro after rebinding read-write"
eq "$(sysattr "$d" queue/write_cache)" "write back" "write_cache after rebinding"
expect_errno ok lxctl clr-fd "$d"
pass
