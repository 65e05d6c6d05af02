#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 04 leaks: load, attach with partitions, I/O, deferred and strict detach,
# an extra device added and removed, unload - 50 cycles long, 10 short.
# The module refcount must be back at its idle value after every detach
# (a binding pins the module once), and after the last unload the slab
# caches a leak would show in (kmalloc-*, bio and biovec caches, bdev_cache,
# request_queue, kernfs nodes, inodes, dentries) must hold no more objects
# than after a warm-up cycle, give or take a little noise.  A struct file is
# what loopx holds of its backing file, but the filp cache swings by 15
# objects between two idle samples (files are freed after a task_work and
# an RCU grace period), so a leaked reference is caught exactly instead:
# the image is reached through a bind mount of its own, which a file still
# open through it keeps busy, so unmounting it after the last unload must
# succeed.
# timeout: 600
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need sfdisk

cycles=$(pick 50 10)
# Objects a cache may gain without a leak: shell and page cache noise.
# A leak of one object per cycle is caught over the long run; the short one
# catches anything of two or more per cycle.
slack=$(pick 24 16)

mkdir "$WORK/files"
mnt "$WORK/files" "$WORK/fs" --bind
img=$WORK/fs/img
truncate -s 32M "$img"
printf 'label: gpt\nsize=12MiB\nsize=12MiB\n' | sfdisk -q "$img" >/dev/null || fail "sfdisk"

refcnt() { cat /sys/module/loopx/refcnt; }

# one_cycle N: everything a cycle does, between two module-unloaded states.
one_cycle() {
	local c=$1 d flags=8 out idle holder

	load_driver || { bad "cycle $c: insmod"; return; }
	idle=$(refcnt)
	[ "$idle" = 0 ] || bad "cycle $c: refcount $idle right after insmod"
	d=$(dev $((c % 4)))
	[ $((c % 2)) = 0 ] && flags=$((flags | 16))
	out=$(bind_file "$d" "$img" $flags) ||
		{ bad "cycle $c: configure: $out"; rmmod loopx; return; }
	[ "$(refcnt)" = $((idle + 1)) ] ||
		bad "cycle $c: refcount $(refcnt) while bound, expected $((idle + 1))"
	out=$("$STIO" write "${d}p1" 0 4194304 "$c" --fsync) || bad "cycle $c: write p1: $out"
	out=$("$STIO" write "${d}p2" 0 4194304 "$c") || bad "cycle $c: write p2: $out"
	out=$("$STIO" verify "${d}p1" 0 4194304 "$c" --direct) || bad "cycle $c: verify p1: $out"
	count calls 3

	# A partition held open: CLR_FD defers, the close unbinds.
	"$LXCTL" hold "${d}p2" 60 >/dev/null &
	holder=$!
	sleep 0.3
	if [ $((c % 2)) = 0 ]; then
		out=$("$LXCTL" clr-fd "$d") || bad "cycle $c: clr-fd: $out"
		bound "$d" || bad "cycle $c: CLR_FD unbound a device with an open partition"
		kill "$holder"
		wait "$holder" 2>/dev/null || true
		wait_unbound "$d" 5 || bad "cycle $c: autoclear did not unbind"
	else
		out=$("$STIO" detach "$d") || true
		case "$out" in
		"EBUSY openers=1 "*) ;;
		*) bad "cycle $c: strict detach with p2 open: $out" ;;
		esac
		kill "$holder"
		wait "$holder" 2>/dev/null || true
		out=$("$STIO" detach "$d" --wait) || bad "cycle $c: strict detach: $out"
	fi
	count calls 2
	[ "$(refcnt)" = "$idle" ] ||
		bad "cycle $c: refcount $(refcnt) after detach, expected $idle"

	out=$("$LXCTL" ctl-add 20) || bad "cycle $c: ctl-add 20: $out"
	out=$("$LXCTL" ctl-remove 20) || bad "cycle $c: ctl-remove 20: $out"
	count calls 2
	[ "$(refcnt)" = "$idle" ] ||
		bad "cycle $c: refcount $(refcnt) after add/remove, expected $idle"
	rmmod loopx || bad "cycle $c: rmmod"
	! driver_loaded || bad "cycle $c: module still loaded after rmmod"
	count rounds
}

# The first cycle warms up caches (first-time allocations that stay).
one_cycle 0
slab_snapshot "$WORK/slab.base"
for ((c = 1; c <= cycles; c++)); do
	one_cycle "$c"
	[ "$c" = $((cycles / 2)) ] && slab_snapshot "$WORK/slab.mid"
done
slab_snapshot "$WORK/slab.end"

note "slab changes base -> end (caches that moved):"
join "$WORK/slab.base" "$WORK/slab.end" |
	awk '$3 != $2 { printf "#   %s %d -> %d (%+d)\n", $1, $2, $3, $3 - $2 }' >&2
# A leak grows in both halves of the run; noise goes up and down.
grew=$(join "$WORK/slab.base" "$WORK/slab.mid" | join - "$WORK/slab.end" |
	awk -v slack="$slack" '$4 - $2 > slack && $3 > $2 && $4 > $3 {
		printf "%s %d -> %d -> %d; ", $1, $2, $3, $4 }')
[ -z "$grew" ] || bad "slab objects grew over $cycles cycles (slack $slack): $grew"
out=$(umount "$WORK/fs" 2>&1) ||
	bad "the image's bind mount is still busy after the last unload (a leaked file reference?): $out"
finish
