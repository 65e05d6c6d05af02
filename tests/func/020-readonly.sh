#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Read-only devices, every way they are made: CLI -r, LO_FLAGS_READ_ONLY
# in LOOP_CONFIGURE on a writable file, a backing file opened O_RDONLY,
# the loop device itself opened O_RDONLY for the ioctl, and a file whose
# mode (0444) denies write once CAP_DAC_OVERRIDE is gone (the CLI must
# fall back to a read-only open).  Each time: ro=1 in sysfs, blockdev
# --getro 1, LO_FLAGS_READ_ONLY in lo_flags, the data is readable, a write
# fails (EPERM from the block layer), and the file is unchanged.
. "$(dirname "$0")/lib.sh"

f=$(mkrand 1)
orig=$(sha "$f")

check_ro() { # DEV HOW
	local d=$1 out
	eq "$(sysattr "$d" ro)" 1 "$2: sysfs ro"
	eq "$(blockdev --getro "$d")" 1 "$2: blockdev --getro"
	(($(field "$(status64 "$d")" lo_flags) & 1)) ||
		fail "$2: LO_FLAGS_READ_ONLY not in lo_flags"
	eq "$(sha_direct "$d")" "$orig" "$2: data"
	for flag in direct sync; do
		if out=$(dd if=/dev/zero of="$d" bs=4096 count=1 conv=notrunc \
			 oflag=$flag 2>&1); then
			fail "$2: write (oflag=$flag) succeeded"
		fi
		echo "$out" | grep -Eq "Operation not permitted|Read-only file system|Input/output error|Permission denied" ||
			fail "$2: unexpected write error: $out"
	done
	note "$2: write error: ${out##*: }"
	eq "$(sha "$f")" "$orig" "$2: backing file"
	"$LX" -d "$d" || fail "$2: detach"
}

check_ro "$(attach -r "$f")" "CLI -r"

d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --flags 1
check_ro "$d" "LO_FLAGS_READ_ONLY"

d=$(free_dev)
expect_errno ok lxctl set-fd "$d" "$f" --file-ro
check_ro "$d" "file opened O_RDONLY (SET_FD)"

d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --file-ro
check_ro "$d" "file opened O_RDONLY (CONFIGURE)"

d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --dev-ro
check_ro "$d" "device opened O_RDONLY"

# Without CAP_DAC_OVERRIDE root cannot open a 0444 file for writing.
need setpriv
chmod 0444 "$f"
d=$(setpriv --bounding-set=-dac_override --inh-caps=-dac_override \
	"$LX" -f --show "$f") || fail "CLI attach of a 0444 file failed"
check_ro "$d" "0444 file without CAP_DAC_OVERRIDE"
pass
