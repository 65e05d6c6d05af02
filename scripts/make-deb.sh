#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make-deb.sh [--as-version V] OUTDIR
#
# Build loopx's Debian packages (loopx, loopx-dkms, loopx-loop-dkms) with
# debhelper and dh-dkms.  dpkg-buildpackage writes its results next to the
# source directory and cleans inside it, so it runs on a copy of what the
# packages need, in OUTDIR/src; the .deb files land in OUTDIR.
# --as-version V builds the same sources as version V (VERSION and a
# debian/changelog entry in the copy only): the older or newer packages
# that tests/pkg/run.sh --upgrade-from upgrades from.
set -eu

as_version=
if [ "${1:-}" = --as-version ]; then
	as_version=${2:?}
	shift 2
fi
[ $# -eq 1 ] || { echo "usage: make-deb.sh [--as-version V] OUTDIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$(cat "$repo/VERSION")

# debian/changelog names the package version; it must be VERSION's.
deb_version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
if [ "${deb_version%%-*}" != "$version" ]; then
	echo "make-deb.sh: debian/changelog says $deb_version, VERSION says $version" >&2
	exit 1
fi

src=$out/src/loopx-${as_version:-$version}
rm -rf "$out/src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src/cli" "$src/scripts"
cp -r "$repo/debian" "$repo/kernel" "$repo/include" "$src/"
cp "$repo/VERSION" "$repo/README.md" "$repo/CHANGELOG.md" "$repo/dkms.conf" \
   "$repo/dkms-loop.conf" "$src/"
if [ -n "$as_version" ]; then
	echo "$as_version" >"$src/VERSION"
	{
		echo "loopx ($as_version) unstable; urgency=medium"
		echo
		echo "  * Test build as $as_version."
		echo
		echo " -- The loopx developers <loopx@localhost>  $(date -R)"
		echo
		cat "$repo/debian/changelog"
	} >"$src/debian/changelog"
fi
cp "$repo/scripts/dkms-tree.sh" "$src/scripts/"
cp "$repo"/cli/*.[ch] "$repo/cli/Makefile" "$repo/cli/loopx.8" "$src/cli/"
# kbuild's leftovers of a developer build stay out of the package
find "$src/kernel" -type f ! -name '*.[ch]' ! -name Kbuild -delete
rm -f "$src"/kernel/*.mod.c

(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "make-deb.sh: dpkg-buildpackage failed; log in $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out/"
rm -f "$out"/src/*.buildinfo "$out"/src/*.changes
ls "$out"/*.deb
