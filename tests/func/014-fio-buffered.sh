#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# fio random writes with crc32c verification through a device in buffered
# mode, with buffered (--direct=0) and O_DIRECT (--direct=1) access; then
# the device is detached and re-attached and everything is verified again,
# so the data must have reached the backing file, not just a cache.
. "$(dirname "$0")/lib.sh"
need fio

for direct in 0 1; do
	f=$(mkimg 32M "b$direct")
	d=$(attach --direct-io=off "$f")
	eq "$(sysattr "$d" loop/dio)" 0 "dio"
	fio_verify "$d" "$direct"
	"$LX" -d "$d"
	d=$(attach "$f")
	fio_verify "$d" 1 --verify_only
	"$LX" -d "$d"
done
pass
