#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What an idle device costs, against stock loop in the same boot: N
# devices of each driver created, then bound read-only to one file, the
# memory in use read before and after each step (tests/lib/meminfo.sh).
# The bounds are generous, make bench's memory rows hold the real
# numbers: an unbound loopx device may cost 1.25x an unbound loop device,
# a bound one 1.6x a bound one (stock loop measured twice, see below).
# Devices made with one hardware queue per CPU and a workqueue each, as
# before queues.c, cost 1.7x unbound on two CPUs, and more with every CPU.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/meminfo.sh
. "$REPO/tests/lib/meminfo.sh"
# the native family: stock loop runs beside it
only_family loopx

N=100
FIRST=400
memdev=$WORK/mem-devices
gcc -O2 -Wall -o "$memdev" "$REPO/bench/mem-devices.c" ||
	fail "cannot build bench/mem-devices.c"
img=$(mkimg 4M)

if [ ! -d /sys/module/loop ]; then
	modprobe loop max_loop=0 || skip "no stock loop module"
	trap 'rc=$?; rmmod loop 2>/dev/null; (exit $rc); cleanup' EXIT
fi

# cost CONTROL DEVPREFIX: "unbound bound", KiB per device
cost() {
	local m0 m1 m2

	# the first devices of a driver create its slab caches: not counted
	"$memdev" add "$1" $((FIRST + N)) 4
	"$memdev" remove "$1" $((FIRST + N)) 4
	m0=$(used_kib)
	"$memdev" add "$1" $FIRST $N
	m1=$(used_kib)
	"$memdev" bind "$2" $FIRST $N "$img"
	m2=$(used_kib)
	"$memdev" unbind "$2" $FIRST $N
	"$memdev" remove "$1" $FIRST $N
	echo $(((m1 - m0) / N)) $(((m2 - m0) / N))
}

# settle: wait until what earlier tests left to be freed has gone (a
# removed cgroup's memcg goes once its page cache is dropped): two reads in
# a row within 1 MiB, at most ten tries
settle() {
	local a b i

	for i in $(seq 10); do
		a=$(used_kib)
		b=$(used_kib)
		[ $((a - b)) -lt 1024 ] && [ $((b - a)) -lt 1024 ] && return
	done
	note "memory still moving after $i tries: $a, then $b KiB"
}

# Stock loop is measured before and after loopx, and the larger of each
# count is kept: memory freed by something else during a measurement (it
# happened: 133 KiB per device once, 226 in other boots of the same
# kernel) makes a driver look cheaper, never dearer.
settle
r=$(cost /dev/loop-control /dev/loop)
read -r loop_unbound loop_bound <<<"$r"
r=$(cost "$CTL" "/dev/$PFX")
read -r lx_unbound lx_bound <<<"$r"
r=$(cost /dev/loop-control /dev/loop)
read -r again_unbound again_bound <<<"$r"
note "stock loop, measured again after loopx: $again_unbound unbound, $again_bound bound"
[ "$again_unbound" -le "$loop_unbound" ] || loop_unbound=$again_unbound
[ "$again_bound" -le "$loop_bound" ] || loop_bound=$again_bound
# shown by run.sh even on a pass, for the record
echo "case: KiB per device, $(nproc) CPUs: loop $loop_unbound unbound," \
     "$loop_bound bound; loopx $lx_unbound unbound, $lx_bound bound"
if [ "$loop_unbound" -le 0 ] || [ "$loop_bound" -le 0 ]; then
	fail "stock loop's devices measured at nothing: the measure is broken"
fi
[ $((lx_unbound * 100)) -le $((loop_unbound * 125)) ] ||
	fail "an unbound device costs $lx_unbound KiB, loop's $loop_unbound"
[ $((lx_bound * 100)) -le $((loop_bound * 160)) ] ||
	fail "a bound device costs $lx_bound KiB, loop's $loop_bound"
pass
