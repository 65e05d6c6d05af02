#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Data written through the device lands exactly at [offset,
# offset+sizelimit) of the backing file, and not one byte outside that
# range changes.  Once with an offset that is not even sector aligned
# (buffered mode handles any offset) and once aligned in direct-I/O mode.
# Catches off-by-offset and off-by-one-block bugs in either I/O path.
. "$(dirname "$0")/lib.sh"

orig=$(mkrand 16 orig)

check_range() { # OFFSET SIZELIMIT_MIB [CLI options]
	local off=$1 lim=$(($2 << 20)) f=$WORK/backing d pat
	shift 2
	cp "$orig" "$f"
	d=$(attach -o "$off" --sizelimit "$lim" "$@" "$f")
	eq "$(devsize "$d")" "$lim" "size with offset $off"
	pat=$(mkrand $((lim >> 20)) pat)
	dd if="$pat" of="$d" bs=1M oflag=direct status=none ||
		fail "writing $d"
	eq "$(sha_direct "$d")" "$(sha "$pat")" "read back through $d"
	"$LX" -d "$d" || fail "detach $d"

	eq "$(sha "$f" "$off" "$lim")" "$(sha "$pat")" \
	   "file bytes [$off, +$lim) $*"
	eq "$(sha "$f" 0 "$off")" "$(sha "$orig" 0 "$off")" \
	   "file bytes before offset $off $*"
	eq "$(sha "$f" $((off + lim)))" "$(sha "$orig" $((off + lim)))" \
	   "file bytes after offset+sizelimit $*"
	eq "$(stat -c %s "$f")" $((16 << 20)) "file size $*"
}

check_range 1000000 8
check_range $((4 << 20)) 8 --direct-io=on
# The direct-I/O case must really have used direct I/O.
d=$(attach -o $((4 << 20)) --direct-io=on "$orig")
eq "$(sysattr "$d" loop/dio)" 1 "dio with --direct-io=on"
pass
