#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# Where requests are handed off, seen through the workqueue_queue_work
# trace event. At queue depth one (dd, O_DIRECT, pinned to CPU 0) a request
# is alone on its queue and goes to the per-CPU workqueue loopx_local on
# the submitting CPU: its own work item with direct I/O, the queue's local
# worker with buffered I/O. At depth 32 (fio, libaio) the requests spread
# over the device's unbound workqueue, and so does the read-ahead of the
# device's page cache, every flush, and buffered writes to a file on ext4
# (which cannot be tried without waiting: 093). The data read at depth one
# must be the file's.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx only"
need fio taskset

# shellcheck source=trace-lib.sh
. "$(dirname "$0")/trace-lib.sh"

# qd1 DEV WHAT LOCAL_FN UNBOUND_FN: 512 O_DIRECT 4k reads of DEV from one
# pinned dd; nearly all must go to LOCAL_FN on loopx_local on this CPU,
# and the data must be the file's
qd1() {
	local d=$1 what=$2 here away name=${1##*/}

	sleep 0.3	# past any spread window the attach's own reads opened
	trace_run taskset -c "$cpu" dd if="$d" of="$WORK/read" bs=4k \
		count=512 iflag=direct status=none
	eq "$(sha "$WORK/read")" "$(sha "$f" 0 $((512 * 4096)))" \
	   "$what data read at QD1"
	here=$(count "$3" loopx_local "$cpu")
	away=$(count "$4" "$name")
	note "$what QD1: $here on loopx_local (CPU $cpu), $away on $name"
	[ "$here" -ge 460 ] || fail "$what QD1: $here of 512 reads on loopx_local"
	[ "$away" -le 52 ] || fail "$what QD1: $away of 512 reads on $name"
}

f=$(mkrand 16)
# written back: a direct read of pages still dirty would have to wait for
# their writeback, and is redone off the local worker (093)
sync "$f"

# --- direct I/O, depth one: the request's own work item, on this CPU
d=$(attach --direct-io=on "$f")
eq "$(sysattr "$d" loop/dio)" 1 "dio on"
qd1 "$d" direct loopx_cmd_work loopx_cmd_work

# --- direct I/O, depth 32: spread over the unbound workqueue.  A fixed
# number of requests (2048), not a time: how many a slow guest manages
# in a second is no part of what is checked.
name=${d##*/}
trace_run taskset -c "$cpu" fio --name=qd32 --filename="$d" --rw=randread \
	--bs=4k --iodepth=32 --ioengine=libaio --direct=1 --io_size=8m \
	--norandommap --output=/dev/null
here=$(count loopx_cmd_work loopx_local)
away=$(count loopx_cmd_work "$name")
note "direct QD32: $here on loopx_local, $away on $name"
[ "$away" -ge 1000 ] || fail "direct QD32: only $away requests traced on $name"
[ $((here * 5)) -le "$away" ] ||
	fail "direct QD32: $here on loopx_local against $away on $name"
"$LX" -d "$d"

# --- buffered, depth one: the queue's local worker, on this CPU
d=$(attach --direct-io=off "$f")
eq "$(sysattr "$d" loop/dio)" 0 "dio off"
qd1 "$d" buffered loopx_local_work loopx_work

# --- read-ahead of the device's page cache: its reader goes on while the
# requests run, so none of them may take the local worker
sleep 0.3
trace_run taskset -c "$cpu" dd if="$d" of=/dev/null bs=1M count=8 status=none
here=$(count loopx_local_work loopx_local)
away=$(count loopx_work "${d##*/}")
note "read-ahead: $here on loopx_local, $away on ${d##*/}"
[ "$away" -ge 1 ] || fail "read-ahead: no hand-off traced on ${d##*/}"
[ "$here" -eq 0 ] || fail "read-ahead: $here hand-offs on loopx_local"

# --- flushes wait on the backing disk, however alone: never on a worker
# bound to a CPU. 20 pinned writes, each with its fsync (a write, then a
# flush request, each alone on the queue): the flushes on the device's
# workqueue, and the writes too, since the scratch filesystem, ext4, takes
# no buffered write without waiting (093 has XFS, which does).
# write_fsync DEV: the 20 writes, each with its fsync, from a subshell pinned
# to $cpu
# shellcheck disable=SC2317 # called through trace_run
write_fsync() (
	taskset -pc "$cpu" "$BASHPID" >/dev/null || exit 1
	for i in $(seq 20); do
		dd if=/dev/zero of="$1" bs=4k count=1 seek="$i" oflag=direct \
		   conv=fsync status=none || exit 1
	done
)
sleep 0.3
trace_run write_fsync "$d"
here=$(count loopx_local_work loopx_local)
away=$(count loopx_work "${d##*/}")
note "write+fsync: $here on loopx_local, $away on ${d##*/}"
[ "$away" -ge 40 ] ||
	fail "write+fsync: $away of 20 writes and 20 flushes on ${d##*/}"
[ "$here" -eq 0 ] || fail "write+fsync: $here hand-offs on loopx_local"
"$LX" -d "$d"
pass
