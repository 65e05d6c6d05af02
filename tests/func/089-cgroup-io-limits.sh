#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# io.max write limits on the backing disk hold through the device, each
# cgroup at its own rate: cgroups P (1 MiB/s on the RAM disk) and Q
# (2 MiB/s) write at the same time, first each through its own device,
# then both through one shared device, and each one's rate must be its
# limit within 20%. Direct I/O bindings of files on ext4 on a RAM disk;
# the writes are 3 s worth of each limit. Backing I/O charged to the root
# cgroup would run unthrottled (many times the limit), and one cgroup's
# throttled requests holding up the other's would pull Q down to P's
# rate on the shared device. The same test passes on stock loop (the loop
# family). Buffered bindings share one ordered worker per hardware queue
# (README, Limits), so they are not held to this.
. "$(dirname "$0")/lib.sh"

MIB=$((1 << 20))
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none "$CG" ||
	skip "no cgroup2"
echo "+io" >"$CG/cgroup.subtree_control" || skip "no io controller"
brd_ours=0
[ -d /sys/module/brd ] || brd_ours=1
modprobe brd rd_nr=1 rd_size=65536 || skip "no brd module"
[ -b /dev/ram0 ] || skip "brd gave no /dev/ram0"
ram=$(cat /sys/block/ram0/dev)

CGS=()
newcg() {
	local cg=$CG/lxlimit$$$1
	mkdir "$cg" || fail "mkdir $cg"
	CGS+=("$cg")
	echo "$ram wbps=$2" >"$cg/io.max" || fail "io.max of $cg"
	echo "$cg"
}

# timed_write CG DEV SEEK_MIB MIB OUT: write MIB MiB at SEEK_MIB from a task
# of CG, direct, and put the milliseconds it took in OUT
timed_write() {
	sh -c 'echo $$ >"$0/cgroup.procs" &&
	       t0=$(date +%s%N) &&
	       dd if=/dev/zero of="$1" bs=1M seek="$2" count="$3" \
		  oflag=direct status=none &&
	       echo $((($(date +%s%N) - t0) / 1000000)) >"$4"' "$@"
}

# check_rate WHAT MIB OUT LIMIT_MIB: MIB MiB in OUT's ms is LIMIT_MIB/s +-20%
check_rate() {
	local ms want
	ms=$(cat "$3") || fail "$1: no time recorded"
	want=$(($2 * 1000 / $4))
	echo "case: $1: $2 MiB in $ms ms at an io.max of $4 MiB/s"
	[ $((ms * 10)) -ge $((want * 8)) ] ||
		fail "$1: $2 MiB in $ms ms, faster than $4 MiB/s allows"
	[ $((ms * 10)) -le $((want * 12)) ] ||
		fail "$1: $2 MiB in $ms ms, not $4 MiB/s"
}

mkfs.ext4 -q -F /dev/ram0 || fail "mkfs.ext4 /dev/ram0"
m=$WORK/ram
mnt /dev/ram0 "$m"
fallocate -l 8M "$m/p" || fail "fallocate $m/p"
fallocate -l 8M "$m/q" || fail "fallocate $m/q"
fallocate -l 16M "$m/s" || fail "fallocate $m/s"
dp=$(attach --direct-io=on "$m/p")
dq=$(attach --direct-io=on "$m/q")
ds=$(attach --direct-io=on "$m/s")
for d in "$dp" "$dq" "$ds"; do
	eq "$(sysattr "$d" loop/dio)" 1 "loop/dio of $d"
done
p=$(newcg p $MIB)
q=$(newcg q $((2 * MIB)))

timed_write "$p" "$dp" 0 3 "$WORK/p.own" &
wp=$!
timed_write "$q" "$dq" 0 6 "$WORK/q.own" &
wq=$!
wait "$wp" || fail "write of $p to $dp"
wait "$wq" || fail "write of $q to $dq"
check_rate "P, own device" 3 "$WORK/p.own" 1
check_rate "Q, own device" 6 "$WORK/q.own" 2

timed_write "$p" "$ds" 0 3 "$WORK/p.shared" &
wp=$!
timed_write "$q" "$ds" 8 6 "$WORK/q.shared" &
wq=$!
wait "$wp" || fail "write of $p to $ds"
wait "$wq" || fail "write of $q to $ds"
check_rate "P, shared device" 3 "$WORK/p.shared" 1
check_rate "Q, shared device" 6 "$WORK/q.shared" 2

for d in "$dp" "$dq" "$ds"; do
	"$LX" -d "$d" || fail "detach $d"
done
umount "$m" || fail "umount $m"
MOUNTS=()
for cg in "${CGS[@]}"; do
	rmdir "$cg" || fail "rmdir $cg"
done
[ "$brd_ours" = 1 ] && { rmmod brd || fail "rmmod brd"; }
pass
