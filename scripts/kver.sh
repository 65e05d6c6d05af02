#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the kernel version the loopx guest VM boots (and the module is built
# against): the newest Debian 6.1.*-amd64 that has both a module tree in
# /lib/modules and a bootable image in /boot.  Debian's kernel moves forward
# with point releases, so nothing may hardcode the version; everything asks
# this script instead.
set -eu

best=
for dir in /lib/modules/6.1.*-amd64; do
	[ -d "$dir" ] || continue
	ver=${dir##*/}
	[ -f "/boot/vmlinuz-$ver" ] || continue
	# Keep the highest version if several are installed side by side.
	if [ -z "$best" ] ||
	   [ "$(printf '%s\n%s\n' "$best" "$ver" | sort -V | tail -n1)" = "$ver" ]; then
		best=$ver
	fi
done

if [ -z "$best" ]; then
	echo "kver.sh: no 6.1.*-amd64 kernel with both /lib/modules/<ver> and" \
	     "/boot/vmlinuz-<ver>; run scripts/deps.sh" >&2
	exit 1
fi
echo "$best"
