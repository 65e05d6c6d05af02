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
# shellcheck source=cgroup-lib.sh
. "$(dirname "$0")/cgroup-lib.sh"

cg_setup io
m=$WORK/ram
ram_ext4 "$m"

# limited NAME BPS: a new cgroup with an io.max write limit on the RAM disk
limited() {
	local cg

	cg=$(newcg "$1")
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

fallocate -l 8M "$m/p" || fail "fallocate $m/p"
fallocate -l 8M "$m/q" || fail "fallocate $m/q"
fallocate -l 16M "$m/s" || fail "fallocate $m/s"
dp=$(attach --direct-io=on "$m/p")
dq=$(attach --direct-io=on "$m/q")
ds=$(attach --direct-io=on "$m/s")
for d in "$dp" "$dq" "$ds"; do
	eq "$(sysattr "$d" loop/dio)" 1 "loop/dio of $d"
done
p=$(limited p $MIB)
q=$(limited q $((2 * MIB)))

# both P_DEV P_SEEK Q_DEV Q_SEEK WHICH: P writes 3 MiB to P_DEV at P_SEEK
# MiB while Q writes 6 to Q_DEV, each at its own rate
both() {
	local wp wq

	timed_write "$p" "$1" "$2" 3 "$WORK/p.$5" &
	wp=$!
	timed_write "$q" "$3" "$4" 6 "$WORK/q.$5" &
	wq=$!
	wait "$wp" || fail "write of $p to $1"
	wait "$wq" || fail "write of $q to $3"
	check_rate "P, $5 device" 3 "$WORK/p.$5" 1
	check_rate "Q, $5 device" 6 "$WORK/q.$5" 2
}
both "$dp" 0 "$dq" 0 own
both "$ds" 0 "$ds" 8 shared

for d in "$dp" "$dq" "$ds"; do
	"$LX" -d "$d" || fail "detach $d"
done
cg_teardown "$m"
pass
