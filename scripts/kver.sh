#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kver.sh [SERIES]
#
# Print the newest installed Debian kernel of SERIES (default 6.1; 6.12 is
# the other one loopx supports) that has both a module tree in /lib/modules
# and a bootable image in /boot: the kernel the module is built against and
# the test VM boots.  Only the generic amd64 flavour counts (not cloud or
# rt).  Debian's kernels move forward with point releases, so nothing may
# hardcode a version; everything asks this script instead.
set -eu

series=${1:-6.1}
case "$series" in
[0-9]*.[0-9]*) ;;
*)
	echo "usage: kver.sh [SERIES]   (e.g. 6.1, 6.12)" >&2
	exit 2 ;;
esac

best=
# "6.1.*" does not match 6.12.x: the dot after the series is literal.
for dir in "/lib/modules/$series".*-amd64; do
	[ -d "$dir" ] || continue
	ver=${dir##*/}
	case "$ver" in
	*-cloud-amd64 | *-rt-amd64) continue ;;
	esac
	[ -f "/boot/vmlinuz-$ver" ] || continue
	# Keep the highest version if several are installed side by side.
	if [ -z "$best" ] ||
	   [ "$(printf '%s\n%s\n' "$best" "$ver" | sort -V | tail -n1)" = "$ver" ]; then
		best=$ver
	fi
done

if [ -z "$best" ]; then
	echo "kver.sh: no $series.*-amd64 kernel with both /lib/modules/<ver> and" \
	     "/boot/vmlinuz-<ver>; run scripts/deps.sh" >&2
	exit 1
fi
echo "$best"
