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
	# 6.1's other flavours, for the build check (make flavours)
	linux-headers-rt-amd64 linux-headers-cloud-amd64
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
	# the packages: make deb builds them, tests/pkg installs them in the
	# guest, where DKMS builds the modules
	dkms dh-dkms debhelper dpkg-dev
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
	  "install ok installed" ]
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

# The second kernel series loopx builds and tests against: Debian's 6.12
# (bookworm-backports; bookworm-security carries it too).  Present when any
# 6.12 amd64 kernel has both its modules and its headers build tree.
have612=
for dir in /lib/modules/6.12.*-amd64; do
	[ -e "$dir/build/Makefile" ] && have612=y
done

[ ${#missing[@]} -eq 0 ] && [ -n "$have612" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}${have612:- a 6.12 kernel}); rerun as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [ -z "$have612" ] && [ ! -e "$backports" ]; then
	cat >"$backports" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
fi
apt-get update -q

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	# Only the missing ones: naming installed packages would upgrade them as
	# a side effect (e.g. move the guest kernel under a running test session).
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -n "$have612" ] && exit 0

# Candidate version of a package, empty when apt has none.
candidate() {
	apt-cache policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Debian moves 6.12 forward, so find the newest ABI that apt offers headers
# for, with a matching image (signed, or else the unsigned twin).  Exact
# names and versions, and no -t: -t bookworm-backports would also upgrade
# linux-libc-dev and friends.
abi=
hdr=
img=
while read -r name; do
	ver=${name#linux-headers-}
	ver=${ver%-amd64}
	hv=$(candidate "linux-headers-$ver-amd64")
	[ -n "$hv" ] || continue
	for i in "linux-image-$ver-amd64" "linux-image-$ver-amd64-unsigned"; do
		iv=$(candidate "$i")
		if [ "$iv" = "$hv" ]; then
			abi=$ver
			hdr="linux-headers-$ver-amd64=$hv"
			img="$i=$iv"
			break 2
		fi
	done
done < <(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
	 awk '{ print $1 }' | sort -rV)

if [ -z "$abi" ]; then
	echo "deps.sh: apt offers no 6.12 amd64 kernel with headers" >&2
	exit 1
fi

# Installing an image makes linux-base repoint /vmlinuz and /initrd.img (and
# the .old links) at it.  Nothing in loopx reads them, but the machine's
# default kernel stays 6.1: put them back afterwards.
links=(/vmlinuz /vmlinuz.old /initrd.img /initrd.img.old)
declare -A target
for l in "${links[@]}"; do
	[ -L "$l" ] && target[$l]=$(readlink "$l")
done

echo "deps.sh: installing $img $hdr"
apt-get install -y -q --no-install-recommends "$img" "$hdr"

for l in "${!target[@]}"; do
	[ "$(readlink "$l" 2>/dev/null)" = "${target[$l]}" ] ||
		ln -sfn "${target[$l]}" "$l"
done
