#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tree-image.sh KVER IMAGE
#
# An ext4 image holding /lib/modules/KVER (as modules/) and KVER's header
# trees (as src/linux-headers-*), for tests/pkg/run.sh to mount over the
# guest's own.  DKMS compiles against the headers and depmod reads every
# module of the kernel; over the guest's 9p root under TCG that takes many
# minutes, from a virtio disk a fraction of it.  Built on the host, where
# it takes seconds.
set -eu

[ $# -eq 2 ] || { echo "usage: tree-image.sh KVER IMAGE" >&2; exit 2; }
kver=$1 img=$2
headers=$(readlink -f "/lib/modules/$kver/build")
[ -d "$headers" ] || { echo "tree-image.sh: no headers for $kver" >&2; exit 1; }

stage=$(mktemp -d "$(dirname "$img")/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/modules" "$stage/src"
# Hard links where the tree and the system share a filesystem.
cp -al "/lib/modules/$kver/." "$stage/modules/" 2>/dev/null ||
	cp -a "/lib/modules/$kver/." "$stage/modules/"
for d in "$headers" "${headers%-amd64}-common"; do
	[ -d "$d" ] || continue
	cp -al "$d" "$stage/src/" 2>/dev/null || cp -a "$d" "$stage/src/"
done
rm -f "$img"
size=$(du -sm "$stage" | cut -f1)
mke2fs -q -t ext4 -d "$stage" -F "$img" "$((size * 2 + 256))M"
