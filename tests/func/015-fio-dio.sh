#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# As 014, with the device in direct-I/O mode (LO_FLAGS_DIRECT_IO): fio
# verify with --direct=0 and --direct=1, then a verify-only pass after a
# re-attach, so the data is really in the backing file; then two jobs in
# parallel.
. "$(dirname "$0")/lib.sh"
need fio

for direct in 0 1; do
	f=$(mkimg 32M "d$direct")
	d=$(attach --direct-io=on "$f")
	eq "$(sysattr "$d" loop/dio)" 1 "dio with --direct-io=on"
	fio_verify "$d" "$direct"
	"$LX" -d "$d"
	d=$(attach --direct-io=on "$f")
	fio_verify "$d" 1 --verify_only
	"$LX" -d "$d"
done

# Two jobs at once, so requests come from two CPUs (two hardware queues
# where the driver has one per CPU).
f=$(mkimg 32M mq)
d=$(attach --direct-io=on "$f")
fio_verify "$d" 1 --numjobs=2 --size=16M --offset_increment=16M
pass
