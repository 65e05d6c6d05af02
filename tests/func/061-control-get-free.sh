#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_CTL_GET_FREE returns an unbound device that exists; it never returns
# a bound one; when every device is bound it creates a new one; it answers
# the lowest unbound index, and follows binds, unbinds and autoclear.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 1M)
out=$(lxctl ctl-get-free) || fail "GET_FREE: $out"
i=${out#ok }
[ -b "$(dev "$i")" ] || fail "GET_FREE returned $i, $(dev "$i") is missing"
! bound "$(dev "$i")" || fail "GET_FREE returned bound $(dev "$i")"

# Bind every existing device, then ask again.
existing=()
for s in /sys/block/"$PFX"[0-9]*; do
	name=${s##*/}
	existing+=("${name#"$PFX"}")
	bound "/dev/$name" || expect_errno ok lxctl set-fd "/dev/$name" "$f"
done
out=$(lxctl ctl-get-free) || fail "GET_FREE with all bound: $out"
i=${out#ok }
for e in "${existing[@]}"; do
	[ "$i" != "$e" ] || fail "GET_FREE returned existing (bound) index $i"
done
[ -b "$(dev "$i")" ] || fail "GET_FREE created $i, $(dev "$i") is missing"
! bound "$(dev "$i")" || fail "new device $i is bound"

# Bind it too: the next GET_FREE must not hand it out again.
expect_errno ok lxctl set-fd "$(dev "$i")" "$f"
out=$(lxctl ctl-get-free) || fail "GET_FREE: $out"
[ "${out#ok }" != "$i" ] || fail "GET_FREE returned bound $i"
expect_errno ok lxctl ctl-remove "${out#ok }"

# With every device bound, unbinding one makes it the answer (the lowest
# unbound index, as loop answers), binding it again takes it back, and an
# autoclear unbind at the last close gives it back once more.
j=$(printf '%s\n' "${existing[@]}" | sort -n | sed -n 2p)
[ -n "$j" ] || j=$i
expect_errno ok lxctl clr-fd "$(dev "$j")"
eq "$(lxctl ctl-get-free)" "ok $j" "GET_FREE after unbinding $j"
expect_errno ok lxctl set-fd "$(dev "$j")" "$f"
out=$(lxctl ctl-get-free) || fail "GET_FREE: $out"
[ "${out#ok }" != "$j" ] || fail "GET_FREE returned $j, bound again"
expect_errno ok lxctl ctl-remove "${out#ok }"
hold "$(dev "$j")"
expect_errno ok lxctl clr-fd "$(dev "$j")"
bound "$(dev "$j")" || fail "$(dev "$j") unbound while held open"
out=$(lxctl ctl-get-free) || fail "GET_FREE: $out"
[ "${out#ok }" != "$j" ] || fail "GET_FREE returned $j, bound until its last close"
expect_errno ok lxctl ctl-remove "${out#ok }"
kill_hold "$HOLD_PID"
wait_unbound "$(dev "$j")"
eq "$(lxctl ctl-get-free)" "ok $j" "GET_FREE after an autoclear unbind of $j"
detach_all
expect_errno ok lxctl ctl-remove "$i"
pass
