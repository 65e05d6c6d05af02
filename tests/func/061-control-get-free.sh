#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOP_CTL_GET_FREE returns an unbound device that exists; it never returns
# a bound one; when every device is bound it creates a new one.
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
detach_all
expect_errno ok lxctl ctl-remove "$i"
pass
