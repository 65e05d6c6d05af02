#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A GPT image with four partitions: attached with -P, all four partition
# nodes exist with the right start and size the moment the CLI returns (no
# udevadm settle: the scan must be done inside the attach); data written
# to a partition lands at its offset in the file; detaching removes the
# nodes at once.  The same through LOOP_CONFIGURE with LO_FLAGS_PARTSCAN.
# Without partscan (max_part=0) no partitions appear, until SET_STATUS64
# sets LO_FLAGS_PARTSCAN.
. "$(dirname "$0")/lib.sh"
need sfdisk

label=${PART_LABEL:-gpt}
f=$(mkimg 64M)
mkparts "$f" "$label"
mapfile -t parts < <(expected_parts "$f")
eq "${#parts[@]}" 4 "partitions sfdisk wrote"

d=$(attach -P "$f")
check_parts "$d" "${parts[@]}"
eq "$(sysattr "$d" loop/partscan)" 1 partscan

# p2's data is at p2's start in the file.
pat=$(mkrand 1)
dd if="$pat" of="$(part "$d" 2)" bs=1M oflag=direct status=none
start2=${parts[1]%:*}
eq "$(sha "$f" $((start2 * 512)) $((1 << 20)))" "$(sha "$pat")" "p2 data in the file"

"$LX" -d "$d"
no_parts "$d"

d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --flags 8
check_parts "$d" "${parts[@]}"
expect_errno ok lxctl clr-fd "$d"
no_parts "$d"

# Without -P nothing is scanned (unless max_part forces it); turning
# PARTSCAN on later with SET_STATUS64 scans at once.
if [ "$(cat "/sys/module/$MODNAME/parameters/max_part")" = 0 ]; then
	d=$(attach "$f")
	eq "$(sysattr "$d" loop/partscan)" 0 "partscan without -P"
	no_parts "$d"
	expect_errno ok lxctl set-status64 "$d" flags=8
	eq "$(sysattr "$d" loop/partscan)" 1 "partscan after SET_STATUS64"
	check_parts "$d" "${parts[@]}"
	"$LX" -d "$d"
	no_parts "$d"
fi
pass
