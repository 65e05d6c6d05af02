#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install everything loopx needs to build, lint and run its tests in the QEMU
# guest.  Idempotent and silent when all packages are already present, so
# scripts and Makefile targets can call it unconditionally.  Debian 12, root.
set -eu

pkgs=(
	# guest kernel + what the module builds against / sparse checks with
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# build and lint
	gcc make libc6-dev sparse shellcheck
	# the VM runner: emulator, initramfs userland, cpio, compressors for
	# the initramfs and for modules should Debian start compressing them
	qemu-system-x86 busybox-static cpio kmod gzip xz-utils zstd
	# tools the tests and the demo run inside the guest (shared host root)
	fio xfsprogs fdisk e2fsprogs util-linux mount procps strace
	# the stress suite: a real udevd, dm-error/dm-flakey, nfsd over
	# loopback, 32-bit helpers for the compat ioctls
	udev dmsetup nfs-kernel-server lib32gcc-s1
	# tests/func/046's backing-filesystem matrix: btrfs and vfat to make,
	# bindfs (and fuse3's fusermount3) for a FUSE filesystem, python3 to
	# pass a memfd, ip to bring up lo for NFS
	btrfs-progs dosfstools bindfs fuse3 python3 iproute2
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); rerun as root" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Only the missing ones: naming installed packages would upgrade them as a
# side effect (e.g. move the guest kernel under a running test session).
apt-get install -y -q --no-install-recommends "${missing[@]}"
