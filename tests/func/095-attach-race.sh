#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
#
# Several CLI processes attach, read and detach at the same time (each
# "-f --show" races the others for the same free device), while another
# adds and removes devices on the control node.  Every attach must give a
# working device with the right data, nothing is left bound, and the
# kernel log stays clean (run.sh checks it).  --long runs 5x more rounds.
. "$(dirname "$0")/lib.sh"

rounds=10
[ "${LOOPX_LONG:-0}" = 0 ] || rounds=50
workers=4

f=$(mkrand 1)
want=$(sha "$f")

worker() {
	local i d
	for ((i = 0; i < rounds; i++)); do
		d=$("$LX" -f --show "$f") || { echo "attach failed"; return 1; }
		[ "$(sha "$d")" = "$want" ] || { echo "wrong data on $d"; return 1; }
		"$LX" -d "$d" || { echo "detach $d failed"; return 1; }
	done
}

churn() {
	local i
	for ((i = 0; i < rounds * 2; i++)); do
		"$LXCTL" ctl-add 150 >/dev/null
		"$LXCTL" ctl-remove 150 >/dev/null
	done
}

pids=()
for ((w = 0; w < workers; w++)); do
	worker >"$WORK/w$w" 2>&1 &
	pids+=($!)
done
churn &
cpid=$!
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
wait "$cpid"
if [ "$rc" != 0 ]; then
	cat "$WORK"/w*
	fail "a worker failed"
fi
for s in /sys/block/"$PFX"[0-9]*; do
	[ ! -d "$s/loop" ] || fail "${s##*/} left bound"
done
[ ! -e "$(dev 150)" ] || lxctl ctl-remove 150 >/dev/null
pass
