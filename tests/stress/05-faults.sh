#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 05 faults: errors of the backing store reach the caller, nothing hangs,
# and the device works again once the fault is gone.  Rounds (20 long, 2
# short) alternate buffered and direct I/O on the backing side.  Each round:
#   A. loopx on a device-mapper device over a RAM disk (brd): switch the
#      table to "error" (all I/O fails) and to "flakey ... error_writes"
#      (writes fail), expect EIO for reads and writes (write or fsync for
#      buffered backing), switch back, write and read again, detach, and
#      dmsetup remove must find the device released;
#   B. loopx on a file in ext4 on dm-flakey: reads fail while the table
#      errors all I/O, then the data is intact and writable again;
#   C. the backing file truncated under the device while fio reads it:
#      past the new end, direct reads give zeros or EIO, a write there
#      works, LOOP_SET_CAPACITY follows the new size;
#   D. the backing filesystem full: direct writes fail with ENOSPC (as
#      design.md promises), also when the space runs out part way through
#      a request; buffered ones with ENOSPC or EIO at fsync; none hangs; a
#      discard frees space and writing works again.
# timeout: 600
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need dmsetup mkfs.ext4 e2fsck fio

rounds=$(pick 20 2)
# want() matches @(a|b) patterns
shopt -s extglob
# No udevd here: libdevmapper must make the /dev/mapper nodes itself
# instead of waiting for udev to confirm them.
export DM_DISABLE_UDEV=1
MiB=1048576
# Every I/O step runs under a timeout: a hang is a failure, not a stall.
T="timeout 120"

# shellcheck disable=SC2317 # called by lib.sh's cleanup
CLEANUP() {
	local n
	for n in lxfa lxfb lxfc; do
		dmsetup remove --retry "$n" 2>/dev/null
	done
	umount "$WORK/fs" 2>/dev/null
	detach_all
	# brd goes last; devices on it must be gone by then
	rmmod brd 2>/dev/null
}

modprobe dm_flakey || skip "no dm-flakey module"
modprobe brd rd_nr=1 rd_size=$((192 * 1024)) || skip "no brd module"
[ -b /dev/ram0 ] || fail "no /dev/ram0 after modprobe brd"
load_driver || fail "insmod"

# dm_table KIND: a 64 MiB table over /dev/ram0 at sector $base.
dm_table() {
	case "$1" in
	linear) echo "0 131072 linear /dev/ram0 $base" ;;
	error) echo "0 131072 error" ;;
	# always "down" (up 0 s), writes fail, reads pass
	ewrites) echo "0 131072 flakey /dev/ram0 $base 0 3600 1 error_writes" ;;
	# always down, no feature: every I/O fails
	eall) echo "0 131072 flakey /dev/ram0 $base 0 3600" ;;
	esac
}

# dm_switch NAME KIND: swap the live table.
dm_switch() {
	# --nolockfs: freezing ext4 on top would need the very writes the
	# fault table fails
	if ! { dmsetup suspend --nolockfs "$1" &&
	       dmsetup load "$1" --table "$(dm_table "$2")" &&
	       dmsetup resume "$1"; }; then
		fail "dmsetup switch $1 to $2"
	fi
}

# want WHAT PATTERN OUTPUT: a step's stio output must match PATTERN (case
# glob); a timeout (exit 124) shows up as empty output.
want() {
	count calls
	# shellcheck disable=SC2254 # the pattern is a glob on purpose
	case "$3" in
	$2) ;;
	*) bad "round $r: $1: expected '$2', got '${3:-nothing (hung?)}'" ;;
	esac
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# A: dm error / flakey directly under the device -----------------------------
part_a() {
	local d flags=$1 out
	base=0
	dmsetup create lxfa --table "$(dm_table linear)" || fail "dmsetup create lxfa"
	d=$(dev 0)
	out=$(bind_file "$d" /dev/mapper/lxfa "$flags") ||
		fail "round $r: configure on dm: $out"
	want "write before the fault" ok "$($T "$STIO" write "$d" 0 $((16 * MiB)) "$r" --direct --fsync)"
	drop_caches

	dm_switch lxfa error
	count faults
	want "read from dm-error" "read EIO at *" "$($T "$STIO" verify "$d" 0 $((4 * MiB)) "$r" --direct)"
	want "write to dm-error" "@(write|fsync) EIO*" \
		"$($T "$STIO" write "$d" $((8 * MiB)) $((MiB)) 9 --direct --fsync)"

	dm_switch lxfa ewrites
	count faults
	want "read with error_writes" ok "$($T "$STIO" verify "$d" 0 $((4 * MiB)) "$r" --direct)"
	want "write with error_writes" "@(write|fsync) EIO*" \
		"$($T "$STIO" write "$d" $((12 * MiB)) $((MiB)) 9 --direct --fsync)"

	dm_switch lxfa linear
	want "read after the fault" ok "$($T "$STIO" verify "$d" 0 $((4 * MiB)) "$r" --direct)"
	want "write after the fault" ok "$($T "$STIO" write "$d" $((8 * MiB)) $((8 * MiB)) $((r + 100)) --direct --fsync)"
	want "read back after the fault" ok "$($T "$STIO" verify "$d" $((8 * MiB)) $((8 * MiB)) $((r + 100)) --direct)"
	want "detach after the fault" ok "$($T "$LXCTL" clr-fd "$d")"
	! bound "$d" || bad "round $r: still bound after clr-fd (nobody has it open)"
	# the backing device was released: dm can go
	dmsetup remove lxfa || bad "round $r: dmsetup remove: still held after detach"
}

# B: a file on ext4 on dm-flakey -------------------------------------------------
part_b() {
	local d flags=$1 out f=$WORK/fs/backing
	base=131072
	dmsetup create lxfb --table "$(dm_table linear)" || fail "dmsetup create lxfb"
	mkfs.ext4 -q -F /dev/mapper/lxfb || fail "mkfs on lxfb"
	mkdir -p "$WORK/fs"
	mount -o noatime,errors=continue /dev/mapper/lxfb "$WORK/fs" || fail "mount lxfb"
	truncate -s $((24 * MiB)) "$f"
	want "fill the backing file" ok "$($T "$STIO" write "$f" 0 $((24 * MiB)) "$r" --fsync)"
	d=$(dev 1)
	out=$(bind_file "$d" "$f" "$flags") ||
		fail "round $r: configure on ext4/flakey: $out"
	drop_caches

	dm_switch lxfb eall
	count faults
	want "read through ext4 on flakey" "read EIO at *" \
		"$($T "$STIO" verify "$d" $((4 * MiB)) $((4 * MiB)) "$r" --direct)"
	dm_switch lxfb linear
	want "read after the fault" ok "$($T "$STIO" verify "$d" 0 $((24 * MiB)) "$r" --direct)"
	want "write after the fault" ok "$($T "$STIO" write "$d" 0 $((4 * MiB)) $((r + 200)) --direct --fsync)"
	want "read back after the fault" ok "$($T "$STIO" verify "$d" 0 $((4 * MiB)) $((r + 200)) --direct)"
	want "detach" ok "$($T "$LXCTL" clr-fd "$d")"
	umount "$WORK/fs" || bad "round $r: umount: the backing file still busy?"
	e2fsck -fn /dev/mapper/lxfb >/dev/null 2>&1 || bad "round $r: e2fsck after read faults"
	dmsetup remove lxfb || bad "round $r: dmsetup remove lxfb"
}

# C: backing file truncated under the device -------------------------------------
part_c() {
	local d flags=$1 out f=$WORK/trunc fio_pid rc size
	truncate -s $((64 * MiB)) "$f"
	"$STIO" write "$f" 0 $((64 * MiB)) "$r" >/dev/null || fail "fill $f"
	d=$(dev 2)
	out=$(bind_file "$d" "$f" "$flags") || fail "configure $f: $out"
	fio --name=tr --filename="$d" --rw=randread --bs=64k --direct=1 \
		--ioengine=libaio --iodepth=8 --time_based --runtime=6 \
		--continue_on_error=all >"$WORK/fio.out" 2>&1 &
	fio_pid=$!
	PIDS+=("$fio_pid")
	sleep 2
	truncate -s $((16 * MiB)) "$f"
	count faults
	rc=0
	wait "$fio_pid" || rc=$?
	[ "$rc" = 0 ] || bad "round $r: fio reading across the truncate: exit $rc"
	want "data before the new end" ok "$($T "$STIO" verify "$d" 0 $((16 * MiB)) "$r" --direct)"
	want "past the new end" "ok zeros=* eio=* eof=0" \
		"$($T "$STIO" zeros-or-eio "$d" $((16 * MiB)) $((48 * MiB)) --direct)"
	want "write past the new end" ok "$($T "$STIO" write "$d" $((32 * MiB)) $((MiB)) 5 --direct --fsync)"
	want "read it back" ok "$($T "$STIO" verify "$d" $((32 * MiB)) $((MiB)) 5 --direct)"
	size=$(stat -c %s "$f")
	[ "$size" = $((33 * MiB)) ] || bad "round $r: file is $size after the write past its end"
	want "set-capacity" ok "$($T "$LXCTL" set-capacity "$d")"
	[ "$(blockdev --getsize64 "$d")" = "$size" ] ||
		bad "round $r: size $(blockdev --getsize64 "$d") after set-capacity, file $size"
	want "detach" ok "$($T "$LXCTL" clr-fd "$d")"
	rm -f "$f"
}

# D: backing filesystem full ---------------------------------------------------------
part_d() {
	local d flags=$1 out f=$WORK/fs/sparse
	base=$((2 * 131072))
	dmsetup create lxfc --table "0 65536 linear /dev/ram0 $base" || fail "dmsetup create lxfc"
	mkfs.ext4 -q -F /dev/mapper/lxfc || fail "mkfs lxfc"
	mkdir -p "$WORK/fs"
	mount /dev/mapper/lxfc "$WORK/fs" || fail "mount lxfc"
	truncate -s $((128 * MiB)) "$f"
	# Fillers of odd sizes: removed one by one once the filesystem is
	# full, each frees less than a request, so the next write fills
	# the space part way through a request.
	for k in 25 75 175 275; do
		head -c $((k * 4096)) /dev/zero >"$WORK/fs/filler$k"
	done
	sync -f "$WORK/fs"
	d=$(dev 3)
	out=$(bind_file "$d" "$f" "$flags") || fail "configure $f: $out"
	count faults
	want "direct write to a full filesystem" "write ENOSPC at *" \
		"$($T "$STIO" write "$d" 0 $((64 * MiB)) 3 --direct)"
	local k off=$((64 * MiB))
	for k in 25 75 175 275; do
		rm "$WORK/fs/filler$k"
		sync -f "$WORK/fs"
		count faults
		want "direct write filling the last $((k * 4)) KiB" "write ENOSPC at *" \
			"$($T "$STIO" write "$d" "$off" $((2 * MiB)) 7 --direct)"
		off=$((off + 2 * MiB))
	done
	want "buffered write to a full filesystem" "@(write|fsync|close) @(ENOSPC|EIO)*" \
		"$($T "$STIO" write "$d" $((80 * MiB)) $((40 * MiB)) 4 --fsync)"
	# discard punches holes in the file: space comes back
	$T blkdiscard "$d" || bad "round $r: blkdiscard"
	want "write after the discard" ok "$($T "$STIO" write "$d" 0 $((8 * MiB)) 6 --direct --fsync)"
	want "read it back" ok "$($T "$STIO" verify "$d" 0 $((8 * MiB)) 6 --direct)"
	want "detach" ok "$($T "$LXCTL" clr-fd "$d")"
	umount "$WORK/fs" || bad "round $r: umount after ENOSPC"
	e2fsck -fn /dev/mapper/lxfc >/dev/null 2>&1 || bad "round $r: e2fsck after ENOSPC"
	dmsetup remove lxfc || bad "round $r: dmsetup remove lxfc"
}

for ((r = 1; r <= rounds; r++)); do
	# odd rounds buffered on the backing side, even rounds direct I/O
	flags=$(((r % 2) ? 0 : 16))
	part_a "$flags"
	part_b "$flags"
	part_c "$flags"
	part_d "$flags"
	count rounds
done
finish
