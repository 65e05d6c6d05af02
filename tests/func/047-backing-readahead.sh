#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# Read-ahead follows the disk below, as the block layer sets it by default
# there: twice its optimal I/O size, at least 128 KiB. A scsi_debug disk
# with a 1 MiB optimal transfer gives 2048 KiB to a device bound to it,
# whatever its own read-ahead was tuned to; a file on the scratch disk gives
# what that disk's optimal I/O size gives; unbinding puts 128 KiB back.
. "$(dirname "$0")/lib.sh"
only_family loopx

# ra_of IO_OPT_BYTES: the read-ahead in KiB the block layer derives from it
ra_of() {
	local kb=$(($1 * 2 / 1024))
	echo $((kb > 128 ? kb : 128))
}

sd_ours=0
[ -d /sys/module/scsi_debug ] || sd_ours=1
# sd_mod first: the guest has no udev to load it for the new disk
modprobe sd_mod || skip "no sd_mod"
modprobe scsi_debug dev_size_mb=32 opt_blks=2048 || skip "no scsi_debug"
sd=
for ((i = 0; i < 50; i++)); do
	for b in /sys/block/sd*; do
		# the model is padded with blanks
		grep -qs '^scsi_debug *$' "$b/device/model" && sd=${b##*/}
	done
	[ -n "$sd" ] && break
	sleep 0.1
done
[ -n "$sd" ] || fail "no scsi_debug disk in /sys/block"
opt=$(cat "/sys/block/$sd/queue/optimal_io_size")
eq "$opt" $((1 << 20)) "optimal_io_size of the scsi_debug disk"
# the disk's own setting is not what counts
blockdev --setra 8192 "/dev/$sd"

d=$(attach "/dev/$sd")
eq "$(sysattr "$d" queue/read_ahead_kb)" "$(ra_of "$opt")" "read_ahead_kb over $sd"
"$LX" -d "$d" || fail "detach $d"
eq "$(sysattr "$d" queue/read_ahead_kb)" 128 "read_ahead_kb after the detach"

f=$(mkimg 16M)
scratch=$(lsblk -no PKNAME "$(findmnt -no SOURCE --target "$f")")
[ -n "$scratch" ] || scratch=$(basename "$(findmnt -no SOURCE --target "$f")")
d=$(attach "$f")
eq "$(sysattr "$d" queue/read_ahead_kb)" \
   "$(ra_of "$(cat "/sys/block/$scratch/queue/optimal_io_size")")" \
   "read_ahead_kb over a file on $scratch"
"$LX" -d "$d" || fail "detach $d"

[ "$sd_ours" = 1 ] && { rmmod scsi_debug || fail "rmmod scsi_debug"; }
pass
