#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
#
# loopx in compat mode serves util-linux unchanged: the nodes are loopN
# with major 7 and /dev/loop-control is misc 10:237, the module serving
# them is loopx (loopx.ko with compat=1, or the drop-in loop.ko), and losetup -f --show, -P, -l/-a/--json, -c, -d,
# --direct-io, -b and mount -o loop / umount -d all work, each checked in
# sysfs.  The module's refcount rising while a device is bound shows that
# it, not some other driver, serves these nodes.
. "$(dirname "$0")/lib.sh"
only_family compat
need losetup sfdisk mkfs.ext4

[ -d "/sys/module/$MODNAME" ] || fail "/sys/module/$MODNAME missing"
eq "$(cat "/sys/module/$MODNAME/version")" "$(cat "$REPO/VERSION")" \
	"version of the module serving loop's nodes"
eq "$(cat "/sys/module/$MODNAME/parameters/compat")" Y "compat parameter"
lsmod | grep -q "^$MODNAME " || fail "lsmod does not list $MODNAME"
if [ "$MODNAME" = loopx ]; then
	[ ! -d /sys/module/loop ] || fail "stock loop is loaded"
fi
eq "$(stat -c '%t:%T' /dev/loop-control)" "a:ed" "loop-control major:minor (hex)"
eq "$(stat -c %t /dev/loop0)" 7 "major of /dev/loop0 (hex)"
grep -Eq '^ *7 loop$' /proc/devices || fail "major 7 not registered as loop"

ref=$(cat "/sys/module/$MODNAME/refcnt")
f=$(mkimg 64M)
d=$(losetup -f --show "$f") || fail "losetup -f --show"
[ "$(cat "/sys/module/$MODNAME/refcnt")" -gt "$ref" ] ||
	fail "$MODNAME refcnt did not rise"
eq "$(sysattr "$d" loop/backing_file)" "$f" backing_file
losetup -a | grep -q "^$d: .*($f)" || fail "losetup -a: $(losetup -a)"
losetup -l -n -O NAME,BACK-FILE | grep -q "^$d  *$f" ||
	fail "losetup -l: $(losetup -l)"
losetup --json | grep -Eq "\"name\": *\"$d\"" || fail "losetup --json: $(losetup --json)"
losetup -j "$f" | grep -q "^$d:" || fail "losetup -j: $(losetup -j "$f")"

truncate -s 96M "$f"
losetup -c "$d" || fail "losetup -c"
eq "$(devsize "$d")" $((96 << 20)) "size after losetup -c"
losetup -d "$d" || fail "losetup -d"
! bound "$d" || fail "$d bound after losetup -d"

mkparts "$f" gpt
mapfile -t parts < <(expected_parts "$f")
d=$(losetup -f --show -P "$f") || fail "losetup -P"
check_parts "$d" "${parts[@]}"
losetup -d "$d"
no_parts "$d"

d=$(losetup -f --show --direct-io=on -b 4096 -o 1M --sizelimit 32M "$f") ||
	fail "losetup with options"
eq "$(sysattr "$d" loop/dio)" 1 "dio"
eq "$(sysattr "$d" queue/logical_block_size)" 4096 "logical_block_size"
eq "$(sysattr "$d" loop/offset)" $((1 << 20)) "offset"
eq "$(sysattr "$d" loop/sizelimit)" $((32 << 20)) "sizelimit"
losetup -d "$d"

truncate -s 0 "$f"
truncate -s 64M "$f"
mkfs.ext4 -q -F "$f"
mkdir "$WORK/mnt"
mount -o loop "$f" "$WORK/mnt" || fail "mount -o loop"
MOUNTS+=("$WORK/mnt")
d=$(findmnt -n -o SOURCE "$WORK/mnt")
case "$d" in /dev/loop[0-9]*) ;; *) fail "mount -o loop used '$d'" ;; esac
eq "$(sysattr "$d" loop/autoclear)" 1 "autoclear of mount -o loop"
echo hello >"$WORK/mnt/hello"
umount -d "$WORK/mnt" || fail "umount -d"
wait_unbound "$d" || fail "$d bound after umount -d"
pass
