#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# A filesystem's whole life on the device, with 512-byte and 4 KiB logical
# blocks: mkfs, mount, write files, umount, fsck finds nothing, detach,
# attach again, mount, every file's checksum intact.  Filesystems issue
# flushes, FUA-less metadata writes, discards and reads of their own
# writes; any lost or misplaced write shows up in fsck or a checksum.
# FS_TYPE=xfs runs the same for XFS (041).
. "$(dirname "$0")/lib.sh"

fs=${FS_TYPE:-ext4}
case "$fs" in
ext4) need mkfs.ext4 e2fsck; size=128M mkfs=(mkfs.ext4 -q -F)
      fsck=(e2fsck -fn) ;;
xfs) need mkfs.xfs xfs_repair; size=320M mkfs=(mkfs.xfs -q -f)
     fsck=(xfs_repair -n) ;;
esac

populate() { # DIR: files of several sizes, a directory tree, a big file
	local m=$1 i
	mkdir -p "$m/tree/a/b/c"
	for i in 1 2 3 4 5 6 7 8; do
		head -c $((i * 37000)) /dev/urandom >"$m/tree/a/f$i"
	done
	head -c 12M /dev/urandom >"$m/big"
	cp "$m/big" "$m/tree/a/b/c/big-copy"
	ln -s ../../big "$m/tree/a/link"
}

sums() { # DIR
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

for bs in 512 4096; do
	f=$(mkimg "$size" "$fs-$bs")
	d=$(attach -b "$bs" "$f")
	eq "$(sysattr "$d" queue/logical_block_size)" "$bs" "logical_block_size"
	"${mkfs[@]}" "$d" >/dev/null || fail "${mkfs[*]} $d (bs $bs)"
	mnt "$d" "$WORK/mnt"
	populate "$WORK/mnt"
	before=$(sums "$WORK/mnt")
	umount "$WORK/mnt"
	out=$("${fsck[@]}" "$d" 2>&1) || { echo "$out"; fail "${fsck[0]} on $d (bs $bs)"; }
	"$LX" -d "$d"

	drop_caches
	d=$(attach -b "$bs" "$f")
	mnt "$d" "$WORK/mnt"
	eq "$(sums "$WORK/mnt")" "$before" "file checksums after re-attach (bs $bs)"
	[ "$(readlink "$WORK/mnt/tree/a/link")" = ../../big ] || fail "symlink lost"
	umount "$WORK/mnt"
	"$LX" -d "$d"
	rm -f "$f"
done
pass
