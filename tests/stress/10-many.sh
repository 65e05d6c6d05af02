#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 10 many: 1000 devices long, 200 short, in one load of the module. Each is
# created with LOOP_CTL_ADD, bound (every other one read-only with
# partitions, to a GPT image they share; the rest each to its own 64 KiB
# of one data file), written and read back (a partition: read), unbound
# and removed; then the module is unloaded. With all of them bound,
# LOOP_CTL_GET_FREE must create the next index. Nothing may fail, every
# device must be found unbound and gone, and the slab caches a leak would
# show in must hold no more objects than after a warm-up round of 8
# devices, give or take a quarter of a device per device (a leak of one
# object per device is 4 times that). The memory the devices cost is
# noted, per device, unbound and bound (issue 12's measure; not asserted).
# timeout: 900
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need sfdisk

n=$(pick 1000 200)
slack=$((n / 4))
span=65536

parts=$WORK/parts
truncate -s 2M "$parts"
printf 'label: gpt\nsize=1MiB\n' | sfdisk -q "$parts" >/dev/null ||
	fail "sfdisk $parts"
data=$WORK/data
truncate -s $((n * span)) "$data"

# shellcheck source=../lib/meminfo.sh
. "$(dirname "$0")/../lib/meminfo.sh"

# round COUNT [MEASURE]: the whole life of COUNT devices in one load
round() {
	local count=$1 measure=${2:-} i d out m0 m1 m2
	local -a devs=()

	load_driver max_loop=0 || fail "insmod max_loop=0"
	[ -n "$measure" ] && m0=$(used_kib)
	for ((i = 0; i < count; i++)); do
		out=$("$LXCTL" ctl-add "$i") || { bad "ctl-add $i: $out"; continue; }
		devs+=("$(dev "$i")")
	done
	count calls "$count"
	[ -n "$measure" ] && m1=$(used_kib)
	for ((i = 0; i < count; i++)); do
		d=$(dev "$i")
		if [ $((i % 2)) = 0 ]; then
			out=$("$LXCTL" configure "$d" "$parts" --flags 9) ||
				bad "bind $d to $parts with partitions: $out"
		else
			out=$(bind_file "$d" "$data" 0 --offset $((i * span)) \
				--sizelimit "$span") || bad "bind $d: $out"
		fi
	done
	count calls "$count"
	[ -n "$measure" ] && m2=$(used_kib)
	# every device bound: GET_FREE makes the next one (main.c's marks)
	out=$("$LXCTL" ctl-get-free) || bad "ctl-get-free, $count bound: $out"
	[ "$out" = "ok $count" ] ||
		bad "ctl-get-free, $count bound: '$out', not 'ok $count'"
	out=$("$LXCTL" ctl-remove "$count") || bad "ctl-remove $count: $out"
	count calls 2
	for ((i = 0; i < count; i++)); do
		d=$(dev "$i")
		if [ $((i % 2)) = 0 ]; then
			dd if="${d}p1" of=/dev/null bs=4k count=16 status=none ||
				bad "read ${d}p1"
		else
			out=$("$STIO" write "$d" 0 "$span" "$i") ||
				bad "write $d: $out"
			out=$("$STIO" verify "$d" 0 "$span" "$i" --direct) ||
				bad "verify $d: $out"
		fi
	done
	count calls $((count * 3 / 2))
	for ((i = 0; i < count; i++)); do
		d=$(dev "$i")
		out=$("$LXCTL" clr-fd "$d") || bad "clr-fd $d: $out"
		! bound "$d" || bad "$d still bound after LOOP_CLR_FD"
		out=$("$LXCTL" ctl-remove "$i") || bad "ctl-remove $i: $out"
		[ ! -e "$(sysof "$d")" ] || bad "$d still in sysfs after removal"
	done
	count calls $((count * 2))
	unload_driver || bad "rmmod after $count devices"
	if [ -n "$measure" ]; then
		note "memory per device: $(((m1 - m0) / count)) KiB unbound, $(((m2 - m0) / count)) KiB bound ($count devices, $(nproc) CPUs)"
	fi
	count rounds
}

round 8
slab_snapshot "$WORK/slab.base"
round "$n" measure
slab_snapshot "$WORK/slab.end"
grew=$(slab_compare "$WORK/slab.base" "$WORK/slab.end" "$slack") ||
	bad "slab objects grew over $n devices (slack $slack): $grew"
finish
