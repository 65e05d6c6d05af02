#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# /sys/block/<dev>/loopx/nr_hw_queues: changes the queue count of an
# unbound device (the mq/ directory follows), refuses 0, garbage and more
# queues than CPUs with EINVAL and any change while bound with EBUSY, and a
# device with one queue still moves data.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx only"

a=/sys/block/$PFX"0"/loopx/nr_hw_queues
[ -w "$a" ] || fail "$a missing"
echo 1 >"$a" || fail "writing 1 failed"
eq "$(cat "$a")" 1 "nr_hw_queues after writing 1"
eq "$(find /sys/block/"$PFX"0/mq -mindepth 1 -maxdepth 1 | wc -l)" 1 "mq directories"
for bad in 0 abc $(( $(nproc --all) + 1 )); do
	if echo "$bad" >"$a" 2>/dev/null; then
		fail "writing $bad was accepted"
	fi
done
eq "$(cat "$a")" 1 "nr_hw_queues after bad writes"

f=$(mkimg 16M)
d=$(attach "$f")
if echo 2 >"$a" 2>/dev/null; then
	fail "changing the queue count of a bound device was accepted"
fi
pat=$(mkrand 1)
dd if="$pat" of="$d" bs=1M oflag=direct status=none
eq "$(sha "$f" 0 $((1 << 20)))" "$(sha "$pat")" "data through one queue"
"$LX" -d "$d"
nproc --all >"$a" || fail "restoring the queue count failed"
pass
