#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# A configuration call that waits for the device's lock behind another one
# stuck on its backing file can be killed, as with loop: LOOP_SET_DIRECT_IO
# syncs the backing file (ext4 on a suspended device-mapper disk), and
# LOOP_SET_CAPACITY, LOOP_GET_STATUS64 and LOOP_CLR_FD queued behind it
# each end on SIGKILL while it still waits; once the disk resumes, the
# first call completes and the data is intact.
. "$(dirname "$0")/lib.sh"
need dmsetup mkfs.ext4
MIB=$((1 << 20))

# state PID: the process's state letter (D: an uninterruptible or killable
# sleep, Z: exited), empty once it is gone
state() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	st=${st##*) }
	echo "${st%% *}"
}

# gone PID: whether the process has exited within five seconds
gone() {
	local i st
	for ((i = 0; i < 50; i++)); do
		st=$(state "$1")
		[ -z "$st" ] || [ "$st" = Z ] && { echo yes; return; }
		sleep 0.1
	done
	echo "no ($st)"
}

brd_ours=0
[ -d /sys/module/brd ] || brd_ours=1
modprobe brd rd_nr=1 rd_size=65536 || skip "no brd module"
[ -b /dev/ram0 ] || skip "brd gave no /dev/ram0"
dm=lxkill$$
echo "0 $((64 * MIB / 512)) linear /dev/ram0 0" |
	dmsetup create --noudevsync "$dm" || fail "dmsetup create $dm"
DMS+=("$dm")
dmsetup mknodes "$dm" || fail "dmsetup mknodes $dm"
mkfs.ext4 -q -F "/dev/mapper/$dm" || fail "mkfs.ext4 on $dm"
m=$WORK/kmnt
mnt "/dev/mapper/$dm" "$m"

f=$m/img
truncate -s 16M "$f"
d=$(attach --direct-io=off "$f")
data=$(mkrand 4 data)
# through a buffered binding: dirty pages of the backing file, which
# LOOP_SET_DIRECT_IO must write back before it switches
dd if="$data" of="$d" bs=1M oflag=direct status=none || fail "write $d"
hold "$d"

dmsetup suspend --nolockfs "$dm" || fail "dmsetup suspend $dm"
# From here to the resume nothing may fail: record, resume, then assert.
"$LXCTL" set-dio "$d" 1 >"$WORK/dio.out" 2>&1 &
dio=$!
sleep 1
"$LXCTL" set-capacity "$d" >/dev/null 2>&1 &
cap=$!
"$LXCTL" get-status64 "$d" >/dev/null 2>&1 &
get=$!
"$LXCTL" clr-fd "$d" >/dev/null 2>&1 &
clr=$!
sleep 1
before="$(state $dio) $(state $cap) $(state $get) $(state $clr)"
kill -9 $cap $get $clr
after="$(gone $cap) $(gone $get) $(gone $clr)"
still=$(state $dio)
dmsetup resume "$dm"
dio_rc=0
wait $dio || dio_rc=$?
wait $cap $get $clr 2>/dev/null || true

eq "$before" "D D D D" "states of set-dio, set-capacity, get-status64, clr-fd while the disk is suspended"
eq "$after" "yes yes yes" "set-capacity, get-status64, clr-fd gone after SIGKILL"
eq "$still" D "set-dio still waiting for the suspended disk"
eq "$dio_rc" 0 "set-dio after the resume: $(cat "$WORK/dio.out")"
bound "$d" || fail "$d unbound: the killed clr-fd went through"
eq "$(sysattr "$d" loop/dio)" 1 "loop/dio after set-dio"
eq "$(sha_direct "$d" 0 $((4 * MIB)))" "$(sha "$data")" "data after the resume"

kill_hold "$HOLD_PID"
"$LX" -d "$d" || fail "detach $d"
umount "$m" || fail "umount $m"
MOUNTS=()
dmsetup remove --retry "$dm" || fail "dmsetup remove $dm"
DMS=()
[ "$brd_ours" = 1 ] && { rmmod brd || fail "rmmod brd"; }
pass
