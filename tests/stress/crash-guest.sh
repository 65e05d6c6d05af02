#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# crash-guest.sh ROUND LAST - one boot of scenario 07 (run by crash.sh on
# the host, one VM per round, all on the same persistent disk "lxdisk").
#
# The persistent disk holds an ext4 with a backing file and a manifest; the
# backing file holds an ext4 used through loopx.
#   ROUND 0     make both filesystems, then write.
#   ROUND 1..   the previous boot was killed: mount (journal replay), check
#               that every file the manifest lists (written and fsynced
#               before the kill) has its checksum, unmount, e2fsck -fn must
#               be clean; then, before LAST, write.
#   write       new files, each fsynced with its directory and then listed
#               in the manifest (on the outer filesystem, fsynced too); then
#               unsynced writes in the background, a short wait, and the
#               kill: "echo b >/proc/sysrq-trigger", no sync, no unmount.
#   LAST        check only, then detach and shut down cleanly.
# Even rounds bind with direct I/O, odd ones buffered.  Prints
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
INNER=/mnt/lx

disk=''
for b in /sys/block/vd*; do
	[ "$(cat "$b/serial" 2>/dev/null)" = lxdisk ] && disk=/dev/${b##*/}
done
[ -n "$disk" ] || { echo "crash-guest: no disk with serial lxdisk"; exit 2; }

[ -x "$LXCTL" ] || make -s -C "$REPO/tests/helpers" >/dev/null
insmod "$KO"
mkdir -p "$OUTER" "$INNER"
dev=/dev/loopx0
flags=$(((ROUND % 2) ? 0 : 16))

# loopx uses direct I/O by default: switch it off for the buffered rounds.
attach_backing() {
	"$LXCTL" configure "$dev" "$OUTER/backing" --flags "$flags" >/dev/null
	[ "$flags" = 16 ] || "$LXCTL" set-dio "$dev" 0 >/dev/null
	echo "crash-guest: round=$ROUND dio=$(cat /sys/block/loopx0/loop/dio)"
}

if [ "$ROUND" = 0 ]; then
	mkfs.ext4 -q -F "$disk"
	mount "$disk" "$OUTER"
	truncate -s 384M "$OUTER/backing"
	: >"$OUTER/manifest"
	sync -f "$OUTER"
	attach_backing
	mkfs.ext4 -q -F "$dev"
	mount "$dev" "$INNER"
	mkdir "$INNER/data"
else
	# the outer journal replays here; it is not what the test is about
	mount "$disk" "$OUTER"
	attach_backing
	mount "$dev" "$INNER"
	files=0 bad=0
	while read -r r name sum; do
		files=$((files + 1))
		got=$(sha256sum "$INNER/data/$name" 2>&1 | cut -d' ' -f1) || true
		if [ "$got" != "$sum" ]; then
			bad=$((bad + 1))
			echo "BAD: round $r file $name: sha256 $got, fsynced $sum"
		fi
	done <"$OUTER/manifest"
	# Unsynced files may be gone or short, but must read without errors.
	unreadable=0
	for f in "$INNER"/data/* "$INNER"/junk*; do
		[ -e "$f" ] || continue
		cat "$f" >/dev/null 2>&1 || unreadable=$((unreadable + 1))
	done
	umount "$INNER"
	fsck=clean
	if ! out=$(e2fsck -fn "$dev" 2>&1); then
		fsck=errors
		echo "$out" | tail -n 20
		echo "BAD: e2fsck -fn after the crash"
	fi
	echo "crash-guest: round=$ROUND verified=$files corrupt=$bad unreadable=$unreadable fsck=$fsck"
	if [ "$bad" != 0 ] || [ "$unreadable" != 0 ] || [ "$fsck" != clean ]; then
		"$LXCTL" clr-fd "$dev" >/dev/null
		umount "$OUTER"
		exit 1
	fi
	if [ "$ROUND" = "$LAST" ]; then
		"$LXCTL" clr-fd "$dev" >/dev/null
		umount "$OUTER"
		rmmod loopx
		exit 0
	fi
	mount "$dev" "$INNER"
fi

# Fsynced files: each one and its directory, then the manifest line.
n=$((10 + RANDOM % 10))
for ((i = 0; i < n; i++)); do
	name=r$ROUND-$i
	head -c $(((RANDOM % 256 + 1) * 4096 + RANDOM % 4096)) /dev/urandom \
		>"$INNER/data/$name"
	sync "$INNER/data/$name"
	sync "$INNER/data"
	echo "$ROUND $name $(sha256sum <"$INNER/data/$name" | cut -d' ' -f1)" \
		>>"$OUTER/manifest"
	sync "$OUTER/manifest"
done
echo "crash-guest: round=$ROUND wrote=$n"

# Unsynced work in flight at the kill: a big buffered file, small files
# created and removed, and an overwrite of the previous round's junk.
dd if=/dev/urandom of="$INNER/junk$ROUND" bs=1M count=48 status=none &
(
	for ((i = 0; ; i++)); do
		head -c 8192 /dev/urandom >"$INNER/data/tmp$i"
		[ $((i % 3)) = 0 ] && rm -f "$INNER/data/tmp$((i - 1))"
	done
) &
sleep $((1 + RANDOM % 3))
# Through the kernel log: printk reaches the serial console before the
# reset, a plain echo may still sit in the tty buffer.
echo "LOOPX-VM-CRASH-EXPECTED" >/dev/kmsg
echo b >/proc/sysrq-trigger
sleep 60
echo "crash-guest: still alive after sysrq-b"
exit 1
