#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The backing I/O is charged to the cgroup that submitted the request, as
# loop does since 5.12, not to the root cgroup of the worker that issues
# it. A buffered binding on a RAM disk makes every request go through a
# worker; the backing file is on ext4 on the RAM disk, because buffered
# reads of a block device's own page cache do not show in io.stat. A read
# through the device by a task of cgroup A shows in A's io.stat as reads
# of the RAM disk; a write fills page cache of the file charged to A's
# memory.stat; cgroup B with a small memory.max that
# writes more than it through the device hits its limit (memory.events
# "max") and its data still reads back whole; cgroup C with an io.max
# read limit on the RAM disk reads through the device no faster than it.
# Charged to the root cgroup, each of these stays at zero (or fast).
. "$(dirname "$0")/lib.sh"
# shellcheck source=cgroup-lib.sh
. "$(dirname "$0")/cgroup-lib.sh"

cg_setup io memory
m=$WORK/ram
ram_ext4 "$m"

# io_bytes CG KEY: rbytes or wbytes of the RAM disk in CG's io.stat
io_bytes() {
	local v
	v=$(grep "^$ram " "$1/io.stat" | tr ' ' '\n' | grep "^$2=") || v=0
	echo "${v#*=}"
}
mem_stat() { awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

f=$m/img
truncate -s 48M "$f"
data=$(mkrand 8 data)
dd if="$data" of="$f" bs=1M conv=notrunc status=none || fail "fill $f"
d=$(attach --direct-io=off "$f")
eq "$(sysattr "$d" loop/dio)" 0 "loop/dio of the buffered binding"

# io.stat: reads of the RAM disk by a reader of the device
a=$(newcg a)
drop
in_cg "$a" dd if="$d" of=/dev/null bs=64k count=128 iflag=direct \
	status=none || fail "read $d in $a"
r=$(io_bytes "$a" rbytes)
[ "$r" -ge $((4 * MIB)) ] ||
	fail "$a read $((8 * MIB)) bytes of $d, io.stat of ram0 says $r: $(cat "$a/io.stat")"

# memory.stat: page cache of the RAM disk filled by a writer of the device
before=$(mem_stat "$a" file)
in_cg "$a" dd if=/dev/zero of="$d" bs=1M seek=32 count=16 oflag=direct \
	status=none || fail "write $d in $a"
after=$(mem_stat "$a" file)
[ $((after - before)) -ge $((12 * MIB)) ] ||
	fail "$a wrote 16 MiB through $d, its page cache grew by $((after - before))"

# memory.max: the writer's limit holds the page cache it fills
b=$(newcg b)
echo $((16 * MIB)) >"$b/memory.max" || fail "memory.max of $b"
big=$(mkrand 40 big)
drop
in_cg "$b" dd if="$big" of="$d" bs=1M oflag=direct status=none ||
	fail "write 40 MiB to $d in $b (memory.max 16 MiB)"
hits=$(awk '$1 == "max" { print $2 }' "$b/memory.events")
[ "$hits" -gt 0 ] ||
	fail "40 MiB written in $b never reached its memory.max of 16 MiB: $(cat "$b/memory.events")"
peak=$(cat "$b/memory.current")
[ "$peak" -le $((16 * MIB)) ] || fail "$b holds $peak bytes over its memory.max"
eq "$(sha_direct "$d" 0 $((40 * MIB)))" "$(sha "$big")" "data written in $b"

# io.max: the reader's read limit on the RAM disk holds through the device
c=$(newcg c)
echo "$ram rbps=$((2 * MIB))" >"$c/io.max" || fail "io.max of $c"
drop
t0=$(date +%s%N)
in_cg "$c" dd if="$d" of=/dev/null bs=64k count=64 iflag=direct \
	status=none || fail "read $d in $c"
ms=$((($(date +%s%N) - t0) / 1000000))
# 4 MiB at 2 MiB/s: 2 s, less the throttle's first slice
[ "$ms" -ge 1200 ] ||
	fail "$c read 4 MiB through $d in $ms ms past an io.max of 2 MiB/s"

"$LX" -d "$d" || fail "detach $d"
cg_teardown "$m"
pass
