#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One cgroup's throttled buffered I/O does not hold up another cgroup's on
# the same device. A buffered binding of a file on ext4 on a RAM disk;
# cgroup P has an io.max read limit of 1 MiB/s on the disk, cgroup Q none.
# Two readers in P read 4 MiB through the device at once (so P keeps two
# requests in flight, each waiting on P's limit in the backing file's
# read-ahead), and half a second in, a reader in Q reads 1 MiB elsewhere
# in the file. All three run on CPU 0, so they share a hardware queue.
# Q must be done before P is halfway. With one ordered worker per hardware
# queue for all cgroups, Q's requests waited behind P's throttled ones
# and Q ended with P; with a worker per cgroup, as stock loop has since
# 5.12 (the loop family passes), Q is done in a moment. P itself must take
# at least 80% of its 4 s, or the limit did not hold and the test proves
# nothing. Reads through the device are O_DIRECT and the backing file's
# page cache is dropped first, so every read reaches the RAM disk.
#
# On loopx, loopx/cgroup_workers counts the workers: two (P's and Q's)
# after the reads, none after the detach; a write to it fails with EACCES. With --long, the device stays
# bound and idle instead, and they must be gone within 90 s (they are
# freed after 60 s idle, as loop's are), so that a removed cgroup is not
# pinned for as long as the binding lasts. A lean run (CI's compat
# families) skips it: the native family takes the same path.
. "$(dirname "$0")/lib.sh"
# shellcheck source=cgroup-lib.sh
. "$(dirname "$0")/cgroup-lib.sh"

# the path is the native family's, which ran it (CI's time is short)
[ "${LOOPX_LEAN:-0}" = 0 ] || skip "lean run: the native family checks the same path"
cg_setup io
m=$WORK/ram
ram_ext4 "$m"

# elapsed_ms T0: milliseconds since T0 (date +%s%N)
elapsed_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# reader CG SKIP COUNT BS: from a task of CG on CPU 0, read COUNT blocks of
# BS at block SKIP of the device, direct
reader() {
	in_cg "$1" taskset -c 0 dd if="$d" of=/dev/null bs="$4" skip="$2" \
		count="$3" iflag=direct status=none
}

# real blocks, not unwritten extents, which read back without I/O
dd if=/dev/zero of="$m/f" bs=1M count=16 conv=fsync status=none ||
	fail "write $m/f"
d=$(attach --direct-io=off "$m/f")
eq "$(sysattr "$d" loop/dio)" 0 "loop/dio of $d"
sync
echo 3 >/proc/sys/vm/drop_caches || fail "drop_caches"

p=$(newcg p)
q=$(newcg q)
echo "$ram rbps=$MIB" >"$p/io.max" || fail "io.max of $p"

t0=$(date +%s%N)
reader "$p" 0 4 512K &
p1=$!
reader "$p" 4 4 512K &
p2=$!
sleep 0.5
reader "$q" 48 4 256K || fail "read of $q through $d"
tq=$(elapsed_ms "$t0")
wait "$p1" || fail "first read of $p through $d"
wait "$p2" || fail "second read of $p through $d"
tp=$(elapsed_ms "$t0")
echo "case: Q's 1 MiB done $tq ms after P began, P's 4 MiB at 1 MiB/s in $tp ms"

[ "$tp" -ge 3200 ] || fail "P read 4 MiB in $tp ms: its 1 MiB/s limit did not hold"
[ $((tq * 2)) -lt "$tp" ] ||
	fail "Q ended $tq ms after P began, P took $tp ms: Q waited behind P"

workers() {
	sysattr "$d" loopx/cgroup_workers
}
if [ "$LOOPX_FAMILY" != loop ]; then
	eq "$(workers)" 2 "loopx/cgroup_workers after P's and Q's reads"
	msg=$( (echo 0 >"/sys/block/${d##*/}/loopx/cgroup_workers") 2>&1) &&
		fail "loopx/cgroup_workers, read-only, took a write"
	case "$msg" in
	*"Permission denied"*) ;;
	*) fail "a write to loopx/cgroup_workers: '$msg', not EACCES" ;;
	esac
	if [ "${LOOPX_LONG:-0}" = 1 ]; then
		for _ in $(seq 90); do
			[ "$(workers)" = 0 ] && break
			sleep 1
		done
		eq "$(workers)" 0 "loopx/cgroup_workers after 90 s idle"
	fi
fi
"$LX" -d "$d" || fail "detach $d"
[ "$LOOPX_FAMILY" = loop ] ||
	eq "$(workers)" 0 "loopx/cgroup_workers after the detach"
cg_teardown "$m"
pass
