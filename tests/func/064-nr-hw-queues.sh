#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Hardware queues and worker threads follow the binding. A new device has
# one hardware queue (mq/) and no kernel thread, whatever
# loopx/nr_hw_queues says (by default one per CPU, up to 2); a binding
# gets that many queues and the device's workqueue, whose rescuer thread
# goes again at the unbind. nr_hw_queues refuses 0, garbage and more
# queues than CPUs with EINVAL and any change while bound with EBUSY; a
# LOOP_CHANGE_FD keeps the binding's one workqueue; a
# binding after a change gets the new count; data moves through one queue
# and through several.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx only"

cpus=$(nproc --all)
[ "$cpus" -ge 2 ] || skip "one CPU: one queue either way"
auto=2
out=$(lxctl ctl-add -1) || fail "ADD(-1): $out"
i=${out#ok }
d=$(dev "$i")
a=$(sysblk "$i")/loopx/nr_hw_queues

mqdirs() { find "$(sysblk "$i")"/mq -mindepth 1 -maxdepth 1 | wc -l; }
# Rescuers are named after their workqueue, here the disk: "loopx5" on
# 6.1, "kworker/R-loopx" on 6.12, whose 15 characters cut the number off.
# So count every rescuer of the driver, and compare.
rescuers() {
	{ grep -lE "^(kworker/R-)?${PFX}" /proc/[0-9]*/comm 2>/dev/null ||
		true; } | wc -l
}

# write_and_check WHAT: 1 MiB through the device, read back from the file
write_and_check() {
	local pat
	pat=$(mkrand 1)
	dd if="$pat" of="$d" bs=4k oflag=direct status=none
	eq "$(sha "$f" 0 $((1 << 20)))" "$(sha "$pat")" "data through $1"
}

eq "$(cat "$a")" "$auto" "nr_hw_queues of a new device"
eq "$(mqdirs)" 1 "hardware queues of a new device"
r0=$(rescuers)

f=$(mkimg 16M)
expect_errno ok lxctl set-fd "$d" "$f"
eq "$(mqdirs)" "$auto" "hardware queues while bound"
eq "$(rescuers)" $((r0 + 1)) "rescuer threads while bound"
if echo 1 >"$a" 2>/dev/null; then
	fail "changing nr_hw_queues of a bound device was accepted"
fi
write_and_check "$auto queues"
expect_errno ok lxctl clr-fd "$d"
wait_unbound "$d"
eq "$(rescuers)" "$r0" "rescuer threads after the unbind"

# LOOP_CHANGE_FD swaps the file of a binding, not the binding
g=$(mkimg 16M)
"$LX" -r "$d" "$f" || fail "read-only attach to $d failed"
expect_errno ok lxctl change-fd "$d" "$g"
eq "$(rescuers)" $((r0 + 1)) "rescuer threads after CHANGE_FD"
"$LX" -d "$d"
wait_unbound "$d"
eq "$(rescuers)" "$r0" "rescuer threads after CHANGE_FD and the unbind"

for bad in 0 abc $((cpus + 1)); do
	if echo "$bad" >"$a" 2>/dev/null; then
		fail "writing $bad was accepted"
	fi
done
eq "$(cat "$a")" "$auto" "nr_hw_queues after bad writes"
echo 1 >"$a" || fail "writing 1 failed"
eq "$(cat "$a")" 1 "nr_hw_queues after writing 1"
expect_errno ok lxctl set-fd "$d" "$f"
eq "$(mqdirs)" 1 "hardware queues of a binding after writing 1"
write_and_check "one queue"
expect_errno ok lxctl clr-fd "$d"
wait_unbound "$d"
expect_errno ok lxctl ctl-remove "$i"
pass
