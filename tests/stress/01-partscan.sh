#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 01 partscan: LOOP_CONFIGURE with PARTSCAN and detach, over and over
# (200 rounds long, 30 short), with real systemd-udevd running and reader
# threads opening the disk and its partitions all the time.  partscan.c
# does the rounds and checks; this script sets the stage: udevd, a GPT
# image with four partitions (made once with sfdisk) whose first blocks
# carry distinct data, max_part=0 (scanning is per device).
# timeout: 600
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need sfdisk udevadm
UDEVD=/lib/systemd/systemd-udevd
[ -x "$UDEVD" ] || skip "no $UDEVD"

rounds=$(pick 200 30)

# shellcheck disable=SC2317 # called by lib.sh's cleanup
CLEANUP() {
	# udevd must not outlive the scenario: it opens devices behind the
	# next scenarios' backs (lib.sh kills it, it is in PIDS), and its
	# control socket would make libdevmapper wait for it.
	udevadm control --exit 2>/dev/null
	sleep 1
	rm -rf /run/udev
}

load_driver max_part=0 || fail "insmod"
# Without systemd as PID 1 udevd runs as a plain process (what --daemon
# would fork, kept as our child so that its pid is known); it needs /run
# (tmpfs from guest-init) and learns the existing devices from trigger.
"$UDEVD" 2>/dev/null &
PIDS+=($!)
for ((i = 0; i < 50; i++)); do
	udevadm control --ping 2>/dev/null && break
	sleep 0.2
done
udevadm trigger --action=add --subsystem-match=block
udevadm settle -t 60 || bad "udevadm settle timed out at start"
udevadm control --ping || fail "udevd does not answer"

img=$WORK/gpt.img
truncate -s 64M "$img"
printf 'label: gpt\nsize=8MiB\nsize=8MiB\nsize=16MiB\nsize=16MiB\n' |
	sfdisk -q "$img" >/dev/null || fail "sfdisk"
mapfile -t parts < <(sfdisk -d "$img" |
	sed -n 's/.*start= *\([0-9]*\), *size= *\([0-9]*\).*/\1:\2/p')
[ ${#parts[@]} = 4 ] || fail "sfdisk made ${#parts[@]} partitions, not 4"
# Distinct data at each partition start, so a reader that gets the wrong
# blocks (stale cache, wrong offset) notices.
for p in "${parts[@]}"; do
	head -c 4096 /dev/urandom |
		dd of="$img" bs=512 seek="${p%%:*}" conv=notrunc status=none
done

d=$(dev 0)
out=$("$ST/partscan" "$d" "$img" "$rounds" "${parts[@]}" --readers 4 \
	--dwell 100 --ctl "$CTL") || true
echo "$out"
line=$(grep '^partscan:' <<<"$out") || fail "partscan printed no counters"
add_counts "$line"
count failures 0
# partscan's own failures are already in $line; rounds too.
udevadm settle -t 60 || bad "udevadm settle timed out at the end"
! bound "$d" || bad "$d still bound at the end"
finish
