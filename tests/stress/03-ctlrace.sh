#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 03 ctlrace: six threads race LOOP_CTL_ADD/REMOVE/GET_FREE, configure and
# clear, and open/close on the control node and up to 16 devices for a
# fixed time (300 s long, 45 s short; ctlrace.c).  Afterwards every device
# node must match sysfs and the other way round, nothing may be bound, the
# index must agree with what exists (ADD of an existing index: EEXIST), the
# module refcount must be 0, every device must be removable, rmmod must
# succeed and leave no node behind, and a fresh load must work.
# timeout: 600
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

secs=$(pick 300 45)
seed=${LOOPX_SEED:-$RANDOM}

for f in a b; do
	head -c 8M /dev/urandom >"$WORK/$f"
done

load_driver max_loop=4 || fail "insmod"
out=$("$ST/ctlrace" "$secs" 16 "$WORK/a" "$WORK/b" "$seed") || true
echo "$out"
line=$(grep '^ctlrace:' <<<"$out") || fail "ctlrace printed no counters"
add_counts "$line"
count rounds 1

# Quiesce: clear what the threads left bound (nobody has it open now).
detach_all
for s in /sys/block/loopx[0-9]*; do
	[ -e "$s" ] || continue
	n=${s##*/}
	wait_unbound "/dev/$n" 5 || bad "$n still bound after clearing"
done

# Every disk in sysfs has its node with the same dev_t, is empty and has
# no partitions; every node has its disk.
idxs=()
for s in /sys/block/loopx[0-9]*; do
	[ -e "$s" ] || continue
	n=${s##*/}
	idxs+=("${n#loopx}")
	count devices
	if [ ! -b "/dev/$n" ]; then
		bad "/dev/$n missing for $s"
		continue
	fi
	node=$(printf '%d:%d' "0x$(stat -c %t "/dev/$n")" "0x$(stat -c %T "/dev/$n")")
	[ "$node" = "$(cat "$s/dev")" ] || bad "/dev/$n is $node, sysfs says $(cat "$s/dev")"
	[ "$(cat "$s/size")" = 0 ] || bad "$n: size $(cat "$s/size") while unbound"
	! compgen -G "$s/${n}p*" >/dev/null || bad "$n: partitions in sysfs"
	out=$("$LXCTL" ctl-add "${n#loopx}" 2>&1) || true
	[ "$out" = EEXIST ] || bad "ctl-add of existing ${n#loopx}: $out"
done
for p in /dev/loopx[0-9]*; do
	[ -e "$p" ] || continue
	[ -d "/sys/block/${p##*/}" ] || [ -d "/sys/class/block/${p##*/}" ] ||
		bad "$p has no sysfs entry"
done
note "${#idxs[@]} devices after the race: ${idxs[*]}"

# An unbound device reads like an empty medium: 0 bytes, no error, and no
# I/O error in the kernel log.
ioerr() { dmesg | grep -cE 'I/O error.*loopx' || true; }
before=$(ioerr)
for i in "${idxs[@]}"; do
	for fl in "" direct; do
		n=$(dd if="$(dev "$i")" of=/dev/null bs=4k ${fl:+iflag=$fl} 2>&1 |
			sed -n 's/^\([0-9]*\) bytes.*/\1/p') || true
		count calls
		[ "$n" = 0 ] || bad "reading unbound $(dev "$i") ${fl:-buffered}: '${n:-error}' bytes"
	done
done
[ "$(ioerr)" = "$before" ] || bad "reading unbound devices logged I/O errors: $(dmesg | grep -E 'I/O error.*loopx' | tail -n 2)"
note "I/O error lines for loopx during the race: $before"

refcnt=$(cat /sys/module/loopx/refcnt)
[ "$refcnt" = 0 ] || bad "module refcount $refcnt with nothing bound or open"
for i in "${idxs[@]}"; do
	out=$("$LXCTL" ctl-remove "$i" 2>&1) || true
	[ "${out%% *}" = ok ] || bad "ctl-remove $i: $out"
done
! compgen -G "/sys/block/loopx[0-9]*" >/dev/null || bad "disks left after removing all"
rmmod loopx || bad "rmmod after the race"
! compgen -G "/dev/loopx*" >/dev/null || bad "nodes left after rmmod: $(echo /dev/loopx*)"
! compgen -G "/sys/block/loopx*" >/dev/null || bad "sysfs entries left after rmmod"

# The driver still works from scratch.
load_driver || fail "insmod after the race"
d=$(dev 0)
out=$("$LXCTL" configure "$d" "$WORK/a") || bad "configure after the race: $out"
out=$("$STIO" write "$d" 0 1048576 77 --fsync) || bad "write after the race: $out"
out=$("$STIO" verify "$d" 0 1048576 77 --direct) || bad "read back after the race: $out"
"$LXCTL" clr-fd "$d" >/dev/null || bad "clr-fd after the race"
finish
