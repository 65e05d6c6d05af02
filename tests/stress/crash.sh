#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# crash.sh [--long] [--ko FILE] - scenario 07, crash consistency, run on
# the host (--ko: another build of the module, inside the repo).
#
# ext4 on loopx over a file on a persistent virtio disk, on a plain device
# and on an encrypted one: every boot of the test VM (crash-guest.sh)
# checks what the previous one fsynced, writes and fsyncs more, and is
# killed with sysrq-b in the middle of unsynced writes.
# 20 crashes long, 3 short, then a last boot that only checks.  Prints
# BAD/FAIL lines and a counters line; exit 1 if anything failed.
set -eu

long=0 env=()
while [ $# -gt 0 ]; do
	case "$1" in
	--long) long=1; shift ;;
	--ko) env=(env "LOOPX_KO=${2:?}"); shift 2 ;;
	*) echo "usage: crash.sh [--long] [--ko FILE]" >&2; exit 2 ;;
	esac
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
rounds=$((long ? 20 : 3))
out=$repo/build/stress
mkdir -p "$out"
disk=$(mktemp "$out/crash-disk.XXXXXX")
trap 'rm -f "$disk"' EXIT
truncate -s 1G "$disk"

failures=0 crashes=0 verified=0 written=0 start=$SECONDS
for ((r = 0; r <= rounds; r++)); do
	log=$out/crash-round$r.log
	rc=0
	"$repo/tests/vm/run-in-vm.sh" --timeout 900 --log "$log" --disk "$disk" \
		--allow-crash -- "${env[@]}" tests/stress/crash-guest.sh "$r" "$rounds" \
		>"$log.console" 2>&1 || rc=$?
	grep -aE '^(BAD|crash-guest):' "$log" || true
	if [ "$rc" != 0 ]; then
		echo "BAD: boot $r: exit status $rc (log $log)"
		failures=$((failures + 1))
		break
	fi
	if [ "$r" -lt "$rounds" ]; then
		grep -aq 'LOOPX-VM-CRASH-EXPECTED' "$log" || {
			echo "BAD: boot $r did not crash"
			failures=$((failures + 1))
			break
		}
		crashes=$((crashes + 1))
	fi
	# one verified= line per lane, one wrote= line for all
	v=$(grep -aoE 'crash-guest: round=[0-9]+ verified=[0-9]+' "$log" |
		awk -F= '{ n += $NF } END { print n + 0 }')
	w=$(grep -aoE 'crash-guest: round=[0-9]+ wrote=[0-9]+' "$log" |
		awk -F= '{ n += $NF } END { print n + 0 }')
	verified=$((verified + v))
	written=$((written + w))
done
echo "counters: rounds=$crashes faults=$crashes calls=$verified failures=$failures files_fsynced=$written secs=$((SECONDS - start))"
[ "$failures" = 0 ]
