# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers of the cgroup tests (087, 089, 092), sourced after lib.sh: cgroup v2
# with the controllers they need, ext4 on a RAM disk, cgroups of the test,
# and the teardown of all of it.

# shellcheck disable=SC2034 # for the tests that source this
MIB=$((1 << 20))
CG=/sys/fs/cgroup

# cg_setup CONTROLLER...: cgroup v2 mounted and each CONTROLLER ("io",
# "memory") enabled for the root's children; the test skips without them.
cg_setup() {
	local c

	grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none "$CG" ||
		skip "no cgroup2"
	for c in "$@"; do
		echo "+$c" >"$CG/cgroup.subtree_control" ||
			skip "no $c controller"
	done
}

# ram_ext4 DIR: a 64 MiB RAM disk (brd) with ext4 on it, mounted on DIR;
# ram is the disk's MAJ:MIN, as io.max and io.stat name it.
ram_ext4() {
	brd_ours=0
	[ -d /sys/module/brd ] || brd_ours=1
	modprobe brd rd_nr=1 rd_size=65536 || skip "no brd module"
	[ -b /dev/ram0 ] || skip "brd gave no /dev/ram0"
	# shellcheck disable=SC2034 # for the tests that source this
	ram=$(cat /sys/block/ram0/dev)
	mkfs.ext4 -q -F /dev/ram0 || fail "mkfs.ext4 /dev/ram0"
	mnt /dev/ram0 "$1"
}

# newcg NAME: the path of a new cgroup of this test. Called in $(...), so
# cg_teardown finds the cgroups by their prefix, not by a list.
newcg() {
	local cg=$CG/lxtest$$$1

	mkdir "$cg" || fail "mkdir $cg"
	echo "$cg"
}

# in_cg CG CMD...: run CMD as a member of cgroup CG
in_cg() {
	local cg=$1

	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# cg_teardown DIR: ram_ext4's disk unmounted from DIR (and brd unloaded if
# the test loaded it), the test's cgroups removed.
cg_teardown() {
	local cg

	umount "$1" || fail "umount $1"
	# shellcheck disable=SC2034 # lib.sh's list of mounts to undo
	MOUNTS=()
	for cg in "$CG/lxtest$$"*; do
		[ -d "$cg" ] || continue
		rmdir "$cg" || fail "rmdir $cg"
	done
	if [ "$brd_ours" = 1 ]; then
		rmmod brd || fail "rmmod brd"
	fi
}
