#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [--make-dkms] [--dropin-family] [--dropin-tests "NAME..."]
#        [--upgrade-from OLDDIR] DEBDIR
#
# The Debian packages on the running kernel, inside the test VM (whose root
# is a writable overlay): dpkg -i of loopx and loopx-dkms builds loopx.ko
# through DKMS, modprobe loopx loads it and the demo runs on it; then
# loopx-loop-dkms makes `modprobe loop`, the kernel's autoload and losetup
# and mount -o loop get loopx in compat mode; dpkg --purge takes everything
# away again (dkms status empty, nothing of ours under /lib/modules or
# /usr/src) and modprobe loop loads the stock driver once more.
#   tests/vm/run-in-vm.sh -- tests/pkg/run.sh build/deb
# --dropin-family also runs the compat functional family on the installed
# drop-in (tests/func/run.sh --dropin) before the purge: another 15
# minutes under TCG; --dropin-tests "065 090" runs only those tests of it.
# --upgrade-from first installs loopx and loopx-dkms from OLDDIR (scripts/make-deb.sh --as-version), so that DEBDIR's are an
# upgrade: DKMS must then hold only the new version, and the old source
# tree must be gone.
# --make-dkms first installs and removes the module with the Makefile's
# dkms-install and dkms-remove, from the source tree, as a user without
# the packages would.
# Output is TAP; the last line is "N passed, N failed".
set -u

family=0 old='' family_tests='' make_dkms=0
while [ $# -gt 1 ]; do
	case "$1" in
	--make-dkms) make_dkms=1; shift ;;
	--dropin-family) family=1; shift ;;
	--dropin-tests) family=1; family_tests=${2:?}; shift 2 ;;
	--upgrade-from) old=$(cd "${2:?}" && pwd); shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { sed -n 4,5p "$0" | sed 's/^# //' >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
debs=$(cd "$1" && pwd)
version=$(cat "$repo/VERSION")
kver=$(uname -r)
work=${LOOPX_SCRATCH:-/scratch}/pkg
log=$work/log
n=0 passed=0 failed=0

# check NAME CMD...: one TAP line; the command's output is shown on failure.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		tail -n 25 "$log" | sed 's/^/#   /'
	fi
}

# The disk with serial lxdisk (run-in-vm.sh --disk), if any, holds this
# kernel's modules and headers (tests/pkg/tree-image.sh): mounted over the
# guest's own, DKMS and depmod read them from a virtio disk instead of 9p.
# What dpkg and DKMS write there goes with the image.
use_tree_image() {
	local b disk='' d
	for b in /sys/block/vd*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = lxdisk ] && disk=/dev/${b##*/}
	done
	[ -n "$disk" ] || return 0
	mkdir -p /run/pkgtree
	mount "$disk" /run/pkgtree || return
	mount --bind /run/pkgtree/modules "/lib/modules/$kver" || return
	for d in /run/pkgtree/src/*; do
		mount --bind "$d" "/usr/src/${d##*/}" || return
	done
	echo "# modules and headers of $kver from $disk"
}

# Only the running kernel's headers: DKMS also builds for the newest
# installed kernel, which would double a build that runs under TCG.  The
# other kernels' header trees look empty for the length of the test.
hide_other_headers() {
	local b t
	for b in /lib/modules/*/build; do
		[ "$b" = "/lib/modules/$kver/build" ] && continue
		t=$(readlink -f "$b") || continue
		[ -d "$t" ] && mount -t tmpfs none "$t"
	done
	return 0
}

module_file() { modinfo -n "$1" 2>/dev/null; }

# updates_dkms PATH NAME: PATH is NAME.ko under updates/dkms (compressed
# where the kernel's own modules are, as on 6.12).
updates_dkms() {
	case "$1" in
	"/lib/modules/$kver/updates/dkms/$2.ko"|"/lib/modules/$kver/updates/dkms/$2.ko."*) ;;
	*) echo "modinfo -n $2: $1"; return 1 ;;
	esac
}

loaded_version() { cat "/sys/module/$1/version" 2>/dev/null; }

dkms_empty() {
	local s
	s=$(dkms status 2>&1)
	[ -z "$s" ] || { echo "dkms status: $s"; return 1; }
}

# Nothing of ours left: no module, no DKMS tree, no source, no tool.
nothing_left() {
	local left
	left=$(find /lib/modules /usr/src /var/lib/dkms \
		\( -name 'loopx*' -o -path '*/updates/dkms/loop.ko*' \) \
		2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	[ ! -e /usr/sbin/loopx ] || { echo "/usr/sbin/loopx left"; return 1; }
}

installed_loopx() {
	dkms status -m loopx -v "$version" -k "$kver" | grep -q ': installed' &&
		updates_dkms "$(module_file loopx)" loopx &&
		[ -x /usr/sbin/loopx ] && /usr/sbin/loopx --version
}

# make dkms-install: DKMS builds and installs loopx for this kernel.
make_dkms_install() {
	make -C "$repo" dkms-install &&
		dkms status -m loopx -v "$version" -k "$kver" | grep -q ': installed' &&
		updates_dkms "$(module_file loopx)" loopx &&
		modprobe loopx &&
		[ "$(loaded_version loopx)" = "$version" ] && rmmod loopx
}

# The version of the packages in OLDDIR.
old_version() {
	local f
	f=$(echo "$old"/loopx-dkms_*_all.deb)
	f=${f##*/loopx-dkms_}
	echo "${f%_all.deb}"
}

install_old() {
	dpkg -i "$old"/loopx_*.deb "$old"/loopx-dkms_*_all.deb &&
		dkms status -m loopx -v "$(old_version)" -k "$kver" | grep -q ': installed'
}

# After the upgrade: only the new version in DKMS, the old tree gone.
upgraded() {
	local s
	s=$(dkms status -m loopx)
	echo "dkms status: $s"
	[ "$(echo "$s" | grep -c .)" = 1 ] && echo "$s" | grep -q "^loopx/$version," &&
		[ ! -e "/usr/src/loopx-$(old_version)" ] &&
		[ ! -e "/var/lib/dkms/loopx/$(old_version)" ]
}

modprobe_loopx() {
	modprobe loopx && [ "$(loaded_version loopx)" = "$version" ] &&
		[ "$(cat /sys/module/loopx/parameters/compat)" = N ]
}

demo() {
	LOOPX_DEMO_INSTALLED=1 LOOPX_SCRATCH=$work/demo "$repo/scripts/demo.sh"
}

installed_dropin() {
	dkms status -m loopx-loop -v "$version" -k "$kver" | grep -q ': installed' &&
		updates_dkms "$(module_file loop)" loop
}

modprobe_dropin() {
	modprobe loop && [ "$(loaded_version loop)" = "$version" ] &&
		[ "$(cat /sys/module/loop/parameters/compat)" = Y ] &&
		grep -Eq '^ *7 loop$' /proc/devices
}

# A partitioned image through losetup -P: the partitions are there when
# losetup returns; then an ext4 image through mount -o loop.
losetup_and_mount() {
	local img=$work/gpt.img fs=$work/fs.img mnt=$work/mnt d
	[ "$(loaded_version loop)" = "$version" ] || { echo "loop is not the drop-in"; return 1; }
	truncate -s 64M "$img"
	printf 'label: gpt\nsize=16MiB\nsize=16MiB\n' | sfdisk -q "$img" || return
	d=$(losetup -f --show -P "$img") || return
	echo "losetup: $d"
	case "$d" in /dev/loop[0-9]*) ;; *) return 1 ;; esac
	if [ ! -b "${d}p1" ] || [ ! -b "${d}p2" ]; then
		echo "no partitions"
		return 1
	fi
	[ "$(cat "/sys/module/loop/refcnt")" -gt 0 ] || return
	losetup -d "$d" || return
	truncate -s 32M "$fs"
	mkfs.ext4 -q -F "$fs" || return
	mkdir -p "$mnt"
	mount -o loop "$fs" "$mnt" || return
	echo hello >"$mnt/f"
	umount "$mnt" || return
	mount -o loop,ro "$fs" "$mnt" || return
	[ "$(cat "$mnt/f")" = hello ] || { umount "$mnt"; return 1; }
	umount "$mnt"
	# mount -o loop sets autoclear: the device goes with the unmount
	[ -z "$(losetup -a)" ] || { losetup -a; return 1; }
}

# The kernel loads the drop-in by itself when a loop node is opened with
# no loop driver present: block major 7 and misc minor 237.
autoload() {
	rmmod loop || return
	mknod "$work/blk7" b 7 0 && mknod "$work/ctl" c 10 237 || return
	: <"$work/ctl" 2>/dev/null
	[ "$(loaded_version loop)" = "$version" ] ||
		{ echo "opening 10:237 did not load the drop-in"; return 1; }
	rmmod loop || return
	: <"$work/blk7" 2>/dev/null
	[ "$(loaded_version loop)" = "$version" ] ||
		{ echo "opening 7:0 did not load the drop-in"; return 1; }
	rmmod loop
}

# After the purge: the kernel's own loop, which has no version.
modprobe_stock() {
	local f
	f=$(module_file loop) || return
	echo "modinfo -n loop: $f"
	case "$f" in */kernel/drivers/block/loop.ko*) ;; *) return 1 ;; esac
	modprobe loop && [ -d /sys/module/loop ] && [ -z "$(loaded_version loop)" ] &&
		rmmod loop
}

main() {
	rm -rf "$work"
	mkdir -p "$work"
	echo "TAP version 13"
	echo "# kernel $kver, packages $(cd "$debs" && echo *.deb)"
	rmmod loop loopx 2>/dev/null
	use_tree_image || echo "Bail out! cannot mount the tree image"
	hide_other_headers

	if [ "$make_dkms" = 1 ]; then
		check "make dkms-install, modprobe loopx" make_dkms_install
		check "make dkms-remove" make -C "$repo" dkms-remove
		check "dkms status empty, no file left" eval "dkms_empty && nothing_left"
	fi
	if [ -n "$old" ]; then
		check "dpkg -i loopx loopx-dkms $(old_version), the version to upgrade from" \
			install_old
	fi
	check "dpkg -i loopx loopx-dkms (DKMS builds for $kver)" \
		dpkg -i "$debs/loopx_${version}_"*.deb "$debs/loopx-dkms_${version}_all.deb"
	[ -z "$old" ] ||
		check "upgrade from $(old_version): DKMS holds only $version" upgraded
	check "loopx.ko under updates/dkms, /usr/sbin/loopx" installed_loopx
	check "modprobe loopx (native, version $version)" modprobe_loopx
	check "the demo on the installed packages" demo
	check "dpkg -i loopx-loop-dkms" dpkg -i "$debs/loopx-loop-dkms_${version}_all.deb"
	check "loop.ko of loopx under updates/dkms" installed_dropin
	check "modprobe loop loads loopx in compat mode" modprobe_dropin
	check "losetup -fP and mount -o loop on the drop-in" losetup_and_mount
	check "autoload on 10:237 and 7:0 loads the drop-in" autoload
	if [ "$family" = 1 ]; then
		# shellcheck disable=SC2086 # a list of test names
		check "the compat functional family on the drop-in" \
			"$repo/tests/func/run.sh" --dropin $family_tests
		grep -E '^(not )?ok |passed, [0-9]+ failed' "$log" | sed 's/^/#   /'
	fi
	check "dpkg --purge all three" \
		dpkg --purge loopx-loop-dkms loopx-dkms loopx
	check "dkms status empty" dkms_empty
	check "no file left behind" nothing_left
	check "modprobe loop loads the stock driver again" modprobe_stock

	echo "1..$n"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

main
