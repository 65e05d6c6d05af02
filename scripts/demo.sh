#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The loopx demo: attach a file, partition it, make a filesystem, use it,
# detach, unload.  Runs as root INSIDE the test VM (see scripts/demo, or
# "tests/vm/run-in-vm.sh -- scripts/demo.sh"); it loads a module and
# repartitions a device, so not on a machine you care about.
#
# It uses this tree's build for the running kernel (kernel/loopx.ko, or
# build/kmod/<version>/kernel/loopx.ko for a second kernel); with
# LOOPX_DEMO_INSTALLED=1 it uses what the packages installed instead:
# `modprobe loopx` and the loopx on $PATH.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
installed=${LOOPX_DEMO_INSTALLED:-0}
loopx=$repo/cli/loopx
ko=$repo/build/kmod/$(uname -r)/kernel/loopx.ko
[ -f "$ko" ] || ko=$repo/kernel/loopx.ko
if [ "$installed" = 1 ]; then
	loopx=$(command -v loopx)
	ko=$(modinfo -n loopx)
fi
scratch=${LOOPX_SCRATCH:-/scratch}
img=$scratch/demo.img
mnt=$scratch/mnt
sums=$scratch/demo.sha256
dev=''

step() { printf '\n==> %s\n' "$*"; }

# On failure, leave the kernel as we found it as far as we can, so the VM
# log shows the real error and not follow-on noise.
# shellcheck disable=SC2317 # only reached through the EXIT trap
cleanup() {
	local rc=$?
	[ "$rc" -eq 0 ] && return
	echo "demo: FAILED (status $rc)"
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "$dev" ] && "$loopx" -d "$dev"
	return 0
}
trap cleanup EXIT

step "load the module"
if [ -d /sys/module/loopx ]; then
	echo "loopx already loaded"
else
	if [ "$installed" = 1 ]; then
		modprobe loopx
	else
		insmod "$ko"
	fi
fi
echo "module $ko, version $(modinfo -F version "$ko"), kernel $(uname -r)"

step "create a 256 MiB backing file"
mkdir -p "$scratch"
rm -f "$img"
truncate -s 256M "$img"
ls -ls "$img"

step "attach"
dev=$("$loopx" -f --show -P "$img")
echo "attached $img as $dev"
"$loopx" -l "$dev"

step "partition (GPT, 2 partitions)"
sfdisk -q "$dev" <<'TABLE'
label: gpt
size=128MiB, name=data
name=rest
TABLE
sfdisk -l "$dev"

step "partition nodes"
# The partition scan runs in the kernel during BLKRRPART; the nodes appear
# in devtmpfs right away.
ls -l "${dev}p1" "${dev}p2"
lsblk "$dev"

step "mkfs.ext4 on ${dev}p1"
mkfs.ext4 -q -L loopx-demo "${dev}p1"

step "mount"
mkdir -p "$mnt"
mount "${dev}p1" "$mnt"
findmnt "$mnt"

step "write files"
for i in 1 2 3 4; do
	head -c "$((i * 3))M" /dev/urandom >"$mnt/file$i"
done
cp -r "$repo/kernel" "$mnt/src"
(cd "$mnt" && find . -type f -exec sha256sum {} +) >"$sums"
echo "$(wc -l <"$sums") files written and checksummed"

step "read back through a cold cache"
# Remount and drop caches so the checksums are computed from data that
# went through loopx to the backing file and back.
umount "$mnt"
echo 3 >/proc/sys/vm/drop_caches
mount "${dev}p1" "$mnt"
(cd "$mnt" && sha256sum --quiet -c "$sums")
echo "all checksums match"

step "df"
df -h "$mnt"

step "unmount"
umount "$mnt"

step "detach"
"$loopx" -d "$dev"
name=${dev#/dev/}
if [ -d "/sys/block/$name/loop" ]; then
	echo "demo: $dev still bound after detach" >&2
	exit 1
fi
echo "$dev detached; devices still in use:"
"$loopx" -a
[ -z "$("$loopx" -a)" ]
echo "(none)"
dev=''

step "unload the module"
rmmod loopx
[ ! -d /sys/module/loopx ]
echo "loopx unloaded"

step "demo OK"
