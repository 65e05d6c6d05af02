#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# crash-guest.sh ROUND LAST - one boot of scenario 07 (run by crash.sh on
# the host, one VM per round, all on the same persistent disk "lxdisk").
#
# The persistent disk holds an ext4 with two backing files and their
# manifests; each backing file holds an ext4 used through a loopx device,
# one plain, one encrypted (aes-xts-plain64), the "lanes".
#   ROUND 0     make the filesystems, then write.
#   ROUND 1..   the previous boot was killed: mount (journal replay), check
#               that every file the manifest lists (written and fsynced
#               before the kill) has its checksum, unmount, e2fsck -fn must
#               be clean; then, before LAST, write.
#   write       new files, each fsynced with its directory and then listed
#               in the manifest (on the outer filesystem, fsynced too); then
#               unsynced writes in the background, a short wait, and the
#               kill: "echo b >/proc/sysrq-trigger", no sync, no unmount.
#   LAST        check only, then detach and shut down cleanly.
# Both lanes are written and killed together.  Even rounds bind with direct
# I/O, odd ones buffered.  Prints
# "crash-guest: ..." counter lines; exit 1 if a check failed.
set -eu

ROUND=${1:?round}
LAST=${2:?last round}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# The module built for the running kernel (see tests/func/lib.sh).
KO=$REPO/build/kmod/$(uname -r)/kernel/loopx.ko
[ -f "$KO" ] || KO=$REPO/kernel/loopx.ko
KO=${LOOPX_KO:-$KO}
LXCTL=$REPO/tests/helpers/lxctl
export LXCTL_CONTROL=/dev/loopx-control
OUTER=/mnt/persist

disk=''
for b in /sys/block/vd*; do
	[ "$(cat "$b/serial" 2>/dev/null)" = lxdisk ] && disk=/dev/${b##*/}
done
[ -n "$disk" ] || { echo "crash-guest: no disk with serial lxdisk"; exit 2; }

[ -x "$LXCTL" ] || make -s -C "$REPO/tests/helpers" >/dev/null
insmod "$KO"
flags=$(((ROUND % 2) ? 0 : 16))

# Two lanes, each a loopx device with an ext4 over its own backing file and
# manifest on the outer filesystem: plain, and encrypted (aes-xts-plain64,
# with a key kept on the outer filesystem from round 0 on).
LANES="plain crypt"
lane() {
	case "$1" in
	plain) dev=/dev/loopx0 backing=$OUTER/backing manifest=$OUTER/manifest
	       inner=/mnt/lx xfer=() ;;
	crypt) dev=/dev/loopx1 backing=$OUTER/backing-x
	       manifest=$OUTER/manifest-x inner=/mnt/lxx
	       xfer=(--encrypt-type 18 --crypt-name aes-xts-plain64
		     --key "$(cat "$OUTER/key")") ;;
	esac
}

# loopx uses direct I/O by default: switch it off for the buffered rounds.
attach_backing() {
	"$LXCTL" configure "$dev" "$backing" --flags "$flags" "${xfer[@]}" \
		>/dev/null
	[ "$flags" = 16 ] || "$LXCTL" set-dio "$dev" 0 >/dev/null
	echo "crash-guest: round=$ROUND $1 dio=$(cat "/sys/block/${dev#/dev/}/loop/dio")" \
	     "encryption=$(cat "/sys/block/${dev#/dev/}/loop/encryption")"
}

# check_lane LANE: what the manifest lists reads back, unsynced files read
# without errors, e2fsck is clean; the lane is left unmounted.
check_lane() {
	local r name sum got files=0 bad=0 unreadable=0 fsck=clean out f
	mount "$dev" "$inner"
	while read -r r name sum; do
		files=$((files + 1))
		got=$(sha256sum "$inner/data/$name" 2>&1 | cut -d' ' -f1) || true
		if [ "$got" != "$sum" ]; then
			bad=$((bad + 1))
			echo "BAD: $1 round $r file $name: sha256 $got, fsynced $sum"
		fi
	done <"$manifest"
	# Unsynced files may be gone or short, but must read without errors.
	for f in "$inner"/data/* "$inner"/junk*; do
		[ -e "$f" ] || continue
		cat "$f" >/dev/null 2>&1 || unreadable=$((unreadable + 1))
	done
	umount "$inner"
	if ! out=$(e2fsck -fn "$dev" 2>&1); then
		fsck=errors
		echo "$out" | tail -n 20
		echo "BAD: $1: e2fsck -fn after the crash"
	fi
	echo "crash-guest: round=$ROUND verified=$files lane=$1 corrupt=$bad unreadable=$unreadable fsck=$fsck"
	[ "$bad" = 0 ] && [ "$unreadable" = 0 ] && [ "$fsck" = clean ]
}

# write_lane LANE: fsynced files, each one and its directory, then the
# manifest line; prints how many.
write_lane() {
	local n i name
	n=$((10 + RANDOM % 10))
	for ((i = 0; i < n; i++)); do
		name=r$ROUND-$i
		head -c $(((RANDOM % 256 + 1) * 4096 + RANDOM % 4096)) \
			/dev/urandom >"$inner/data/$name"
		sync "$inner/data/$name"
		sync "$inner/data"
		echo "$ROUND $name $(sha256sum <"$inner/data/$name" | cut -d' ' -f1)" \
			>>"$manifest"
		sync "$manifest"
	done
	echo "$n"
}

detach_all_lanes() {
	for l in $LANES; do
		lane "$l"
		"$LXCTL" clr-fd "$dev" >/dev/null
	done
	umount "$OUTER"
}

mkdir -p "$OUTER"
if [ "$ROUND" = 0 ]; then
	mkfs.ext4 -q -F "$disk"
	mount "$disk" "$OUTER"
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$OUTER/key"
	for l in $LANES; do
		lane "$l"
		mkdir -p "$inner"
		truncate -s 192M "$backing"
		: >"$manifest"
		sync -f "$OUTER"
		attach_backing "$l"
		mkfs.ext4 -q -F "$dev"
		mount "$dev" "$inner"
		mkdir "$inner/data"
	done
else
	# the outer journal replays here; it is not what the test is about
	mount "$disk" "$OUTER"
	ok=1
	for l in $LANES; do
		lane "$l"
		mkdir -p "$inner"
		attach_backing "$l"
		check_lane "$l" || ok=0
	done
	if [ "$ok" = 0 ]; then
		detach_all_lanes
		exit 1
	fi
	if [ "$ROUND" = "$LAST" ]; then
		detach_all_lanes
		rmmod loopx
		exit 0
	fi
	for l in $LANES; do
		lane "$l"
		mount "$dev" "$inner"
	done
fi

wrote=0
for l in $LANES; do
	lane "$l"
	wrote=$((wrote + $(write_lane)))
done
echo "crash-guest: round=$ROUND wrote=$wrote"

# Unsynced work in flight at the kill, in each lane: a big buffered file,
# small files created and removed, and an overwrite of the previous
# round's junk.
for l in $LANES; do
	lane "$l"
	dd if=/dev/urandom of="$inner/junk$ROUND" bs=1M count=24 status=none &
	(
		for ((i = 0; ; i++)); do
			head -c 8192 /dev/urandom >"$inner/data/tmp$i"
			[ $((i % 3)) = 0 ] && rm -f "$inner/data/tmp$((i - 1))"
		done
	) &
done
sleep $((1 + RANDOM % 3))
# Through the kernel log: printk reaches the serial console before the
# reset, a plain echo may still sit in the tty buffer.
echo "LOOPX-VM-CRASH-EXPECTED" >/dev/kmsg
echo b >/proc/sysrq-trigger
sleep 60
echo "crash-guest: still alive after sysrq-b"
exit 1
