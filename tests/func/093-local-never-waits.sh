#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# The worker on the submitting CPU (loopx_local) never waits for the file:
# it tries a request with IOCB_NOWAIT, and one that would wait is redone on
# the device's unbound workqueue. Seen through the workqueue_queue_work
# trace event (trace-lib.sh), one pinned O_DIRECT 4k request at a time:
#  - buffered, over a disk that takes 50 ms per request (null_blk,
#    irqmode=2): reads of blocks not yet in the disk's page cache are each
#    tried on loopx_local and redone unbound; the same reads again, now
#    cached, stay on loopx_local;
#  - direct I/O over that disk: submitting does not wait, so the reads stay
#    on loopx_local however slow the disk;
#  - buffered, over a file on XFS (which takes buffered writes with
#    IOCB_NOWAIT, unlike ext4: 024): writes are tried on loopx_local (and
#    redone unbound when the file's times need an update, which cannot be
#    done without waiting); while the XFS is frozen, a write is redone
#    unbound, waits there for the thaw, and lands.
# Every block read must be the data written.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx only"
[ "${LOOPX_LEAN:-0}" = 0 ] || skip "lean run: sets its modes itself, as in the native family"
need taskset mkfs.xfs fsfreeze

# shellcheck source=trace-lib.sh
. "$(dirname "$0")/trace-lib.sh"

N=15
MIB=$((1 << 20))

# pinned CMD...: CMD on the test's CPU
# shellcheck disable=SC2317 # called through trace_run
pinned() { taskset -c "$cpu" "$@"; }

# reads DEV TAG: N 4k O_DIRECT reads of DEV, one per MiB from the second
# MiB on (far apart, so the backing disk's read-ahead of one does not bring
# the next), into $WORK/TAG.I
# shellcheck disable=SC2317 # called through trace_run
reads() {
	local i

	for ((i = 1; i <= N; i++)); do
		pinned dd if="$1" of="$WORK/$2.$i" bs=4k count=1 \
			skip=$((i * 256)) iflag=direct status=none || return 1
	done
}

# check_reads TAG WHAT: each block read is the file's
check_reads() {
	local i

	for ((i = 1; i <= N; i++)); do
		eq "$(sha "$WORK/$1.$i")" "$(sha "$f" $((i * MIB)) 4096)" \
		   "$2: block at $i MiB"
	done
}

# where LOCAL_FN AWAY_FN NAME WHAT: sets here, the hand-offs of LOCAL_FN to
# loopx_local on this CPU, and away, those of AWAY_FN to the device's
# workqueue NAME, and says them
where() {
	here=$(count "$1" loopx_local "$cpu")
	away=$(count "$2" "$3")
	note "$4: $here on loopx_local, $away on $3"
}

# reads_stay_local TAG WHAT LOCAL_FN AWAY_FN: reads of $d that do not wait
# all run on loopx_local, none redone on the device's workqueue
reads_stay_local() {
	sleep 0.3
	trace_run reads "$d" "$1" || fail "$2 of $d"
	check_reads "$1" "$2"
	where "$3" "$4" "$name" "$2"
	[ "$here" -ge "$N" ] || fail "$2: $here of $N on loopx_local"
	[ "$away" -le 1 ] || fail "$2: $away of $N redone on $name"
}

mnt=$WORK/xfs
# shellcheck disable=SC2317 # only reached through the EXIT trap
unwind() {
	set +e
	trace_off
	# a frozen filesystem could not be unmounted
	fsfreeze -u "$mnt" 2>/dev/null
	# detaches, then unmounts, before null_blk can go
	release_all
	if [ "${nullb_loaded:-0}" = 1 ]; then
		rmmod null_blk
	fi
}
trap 'rc=$?; unwind; (exit "$rc"); cleanup' EXIT

# --- a slow disk: null_blk completing every request after 50 ms ----------
[ -d /sys/module/null_blk ] && skip "null_blk is loaded already"
modprobe null_blk nr_devices=1 queue_mode=2 irqmode=2 \
	completion_nsec=50000000 memory_backed=1 gb=1 || skip "no null_blk"
nullb_loaded=1
for ((i = 0; i < 50; i++)); do
	[ -b /dev/nullb0 ] && break
	sleep 0.1
done
[ -b /dev/nullb0 ] || fail "no /dev/nullb0"
f=$(mkrand 16)
dd if="$f" of=/dev/nullb0 bs=1M oflag=direct status=none ||
	fail "writing the data to nullb0"

# buffered: cold reads redone unbound, cached ones local
d=$(attach --direct-io=off /dev/nullb0)
name=${d##*/}
blockdev --flushbufs /dev/nullb0 || fail "BLKFLSBUF on nullb0"
echo 3 >/proc/sys/vm/drop_caches
sleep 0.3	# past any spread window the attach's own reads opened
trace_run reads "$d" cold || fail "cold reads of $d"
check_reads cold "cold buffered read"
where loopx_local_work loopx_work "$name" "cold buffered reads"
[ "$here" -ge "$N" ] || fail "cold reads: $here of $N tried on loopx_local"
[ "$away" -ge "$N" ] || fail "cold reads: $away of $N redone on $name"

reads_stay_local warm "cached buffered reads" loopx_local_work loopx_work
"$LX" -d "$d" || fail "detach $d"

# direct I/O: submitted without waiting, completed by the disk later
d=$(attach --direct-io=on /dev/nullb0)
name=${d##*/}
eq "$(sysattr "$d" loop/dio)" 1 "dio on over nullb0"
reads_stay_local dio "direct reads" loopx_cmd_work loopx_cmd_work
"$LX" -d "$d" || fail "detach $d"
rmmod null_blk || fail "rmmod null_blk"
nullb_loaded=0

# --- a file on XFS, frozen for one write ------------------------------------
img=$(mkimg 320M)
xd=$(attach --direct-io=on "$img")
mkfs.xfs -q -f "$xd" >/dev/null || fail "mkfs.xfs on $xd"
mnt "$xd" "$mnt" -t xfs

xf=$mnt/backing
cp "$f" "$xf" || fail "copy the data onto XFS"
sync
d=$(attach --direct-io=off "$xf")
name=${d##*/}

# writes DEV: N 4k O_DIRECT writes to DEV of the file's blocks
# shellcheck disable=SC2317 # called through trace_run
writes() {
	local i

	for ((i = 1; i <= N; i++)); do
		pinned dd if="$f" of="$1" bs=4k count=1 skip=$((i * 256 + 1)) \
			seek=$((i * 256)) oflag=direct conv=notrunc \
			status=none || return 1
	done
}
sleep 0.3
trace_run writes "$d" || fail "writes to $d"
where loopx_local_work loopx_work "$name" "buffered writes to XFS"
[ "$here" -ge "$N" ] || fail "XFS writes: $here of $N tried on loopx_local"

# frozen: the write is tried locally, redone unbound, waits for the thaw
# shellcheck disable=SC2317 # called through trace_run
frozen_write() {
	local pid

	fsfreeze -f "$mnt" || fail "fsfreeze -f"
	pinned dd if="$f" of="$d" bs=4k count=1 skip=7 seek=5 oflag=direct \
		conv=notrunc status=none &
	pid=$!
	PIDS+=("$pid")
	sleep 1
	kill -0 "$pid" 2>/dev/null || fail "a write to frozen XFS did not wait"
	fsfreeze -u "$mnt" || fail "fsfreeze -u"
	wait "$pid" || fail "the write to $d after the thaw"
}
sleep 0.3
trace_run frozen_write
where loopx_local_work loopx_work "$name" "a write to frozen XFS"
[ "$here" -ge 1 ] || fail "frozen XFS: the write was not tried on loopx_local"
[ "$away" -ge 1 ] || fail "frozen XFS: the write was not redone on $name"
"$LX" -d "$d" || fail "detach $d"

eq "$(sha "$xf" $((5 * 4096)) 4096)" "$(sha "$f" $((7 * 4096)) 4096)" \
   "the write made while XFS was frozen"
for ((i = 1; i <= N; i++)); do
	eq "$(sha "$xf" $((i * MIB)) 4096)" "$(sha "$f" $((i * MIB + 4096)) 4096)" \
	   "write at $i MiB"
done
pass
