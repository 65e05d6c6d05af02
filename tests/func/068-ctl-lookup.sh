#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOPX_CTL_LOOKUP: which devices hold a file, by the device and inode
# numbers stat(2) gives. Two devices on one file are both found, lowest
# first, under the file's own name, a symlink, a bind mount and a path in
# another mount namespace; --max 1 gets one index and the full count;
# another file gets none; LOOP_CHANGE_FD moves the device to its new file;
# after the detach nothing holds the file. loopx -j answers the same,
# from the index.
# Flags, reserved words and a max over LOOPX_LOOKUP_MAX are EINVAL.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx's own ioctl"
need unshare

f=$(mkimg 16M held)
other=$(mkimg 16M other)
d1=$(attach "$f")
d2=$(attach -r -o 1M "$f")
i1=$(devidx "$d1")
i2=$(devidx "$d2")
want="count 2: $i1 $i2"
[ "$i1" -lt "$i2" ] || want="count 2: $i2 $i1"

eq "$(lxctl ctl-lookup "$f")" "$want" "lookup of $f"
ln -s "$f" "$WORK/link"
eq "$(lxctl ctl-lookup "$WORK/link")" "$want" "lookup through a symlink"
mkdir "$WORK/bm"
mnt "$WORK" "$WORK/bm" --bind
eq "$(lxctl ctl-lookup "$WORK/bm/held")" "$want" "lookup through a bind mount"
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
ns=$(unshare -m -- sh -c 'mount -t tmpfs none /mnt &&
	mkdir /mnt/x && mount --bind "$1" /mnt/x &&
	"$2" ctl-lookup /mnt/x/held' sh "$WORK" "$LXCTL") ||
	fail "lookup in another mount namespace: $ns"
eq "$ns" "$want" "lookup in another mount namespace"
eq "$(lxctl ctl-lookup "$f" --max 2)" "$want" "lookup with room for two"
# room for one: the full count and one of the two indices
one=$(lxctl ctl-lookup "$f" --max 1)
case "$one" in
"count 2: $i1" | "count 2: $i2") ;;
*) fail "lookup with room for one: '$one'" ;;
esac
eq "$(lxctl ctl-lookup "$f" --no-indices)" "count 2:" "count only"
eq "$(lxctl ctl-lookup "$other")" "count 0:" "lookup of a file nobody holds"

out=$("$LX" -j "$WORK/link")
eq "$(echo "$out" | grep -c .)" 2 "loopx -j lines: $out"
echo "$out" | grep -q "^$d1: " || fail "loopx -j does not list $d1: $out"
echo "$out" | grep -q "^$d2: " || fail "loopx -j does not list $d2: $out"
[ -z "$("$LX" -j "$other")" ] || fail "loopx -j lists a device for $other"
# ... from the index: one lookup per control node, no status of each device
if command -v strace >/dev/null; then
	strace -f -e trace=ioctl -o "$WORK/strace" "$LX" -j "$f" >/dev/null ||
		fail "strace loopx -j"
	grep -q "0x4c, 0x43" "$WORK/strace" ||
		fail "loopx -j did not ask LOOPX_CTL_LOOKUP: $(cat "$WORK/strace")"
	# each listed device is asked once, an unlisted one never
	eq "$(grep -c "LOOP_GET_STATUS64" "$WORK/strace")" 2 \
	   "LOOP_GET_STATUS64 calls of loopx -j"
else
	note "no strace: not checked that loopx -j asks the index"
fi

expect_errno EINVAL lxctl ctl-lookup "$f" --flags 2
expect_errno EINVAL lxctl ctl-lookup "$f" --reserved-nonzero
expect_errno EINVAL lxctl ctl-lookup "$f" --max 4097

# LOOP_CHANGE_FD of the read-only device to a copy of the file
cp "$f" "$WORK/copy"
lxctl change-fd "$d2" "$WORK/copy" >/dev/null || fail "change-fd $d2"
eq "$(lxctl ctl-lookup "$f")" "count 1: $i1" "lookup of $f after CHANGE_FD"
eq "$(lxctl ctl-lookup "$WORK/copy")" "count 1: $i2" "lookup of the copy"

"$LX" -d "$d1" || fail "detach $d1"
"$LX" -d "$d2" || fail "detach $d2"
eq "$(lxctl ctl-lookup "$f")" "count 0:" "lookup after the detach"
eq "$(lxctl ctl-lookup "$WORK/copy")" "count 0:" "lookup of the copy after the detach"
[ -z "$("$LX" -j "$f")" ] || fail "loopx -j lists a device after the detach"
pass
