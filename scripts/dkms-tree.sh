#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dkms-tree.sh [--loop] [--no-conf] DEST
#
# Lay out a DKMS source tree in DEST: kernel/ (Kbuild and the sources),
# include/uapi/linux/loopx.h, include/linux/loopx_transfer.h, VERSION and dkms.conf with the version filled
# in.  --loop: the drop-in loop module's tree (dkms-loop.conf).  --no-conf
# leaves dkms.conf out, for dh_dkms, which installs and fills it itself.
# `make dkms-install` and debian/rules both use it, so the two trees are
# the same.
set -eu

conf=dkms.conf
withconf=1
while [ $# -gt 1 ]; do
	case "$1" in
	--loop) conf=dkms-loop.conf ;;
	--no-conf) withconf=0 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || { sed -n '4p' "$0" | sed 's/^# //' >&2; exit 2; }
dest=$1
src=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$src/VERSION")

mkdir -p "$dest/kernel" "$dest/include/uapi/linux" "$dest/include/linux"
# Sources only: never objects a developer build left in kernel/.
install -m 0644 "$src/kernel/Kbuild" "$dest/kernel/"
for f in "$src"/kernel/*.[ch]; do
	case "$f" in *.mod.c) continue ;; esac
	install -m 0644 "$f" "$dest/kernel/"
done
install -m 0644 "$src/include/uapi/linux/loopx.h" "$dest/include/uapi/linux/"
install -m 0644 "$src/include/linux/loopx_transfer.h" "$dest/include/linux/"
install -m 0644 "$src/VERSION" "$dest/"
if [ "$withconf" = 1 ]; then
	sed "s/#MODULE_VERSION#/$version/" "$src/$conf" >"$dest/dkms.conf"
fi
