#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The error path of loading: a test build of loopx (make modules) fails its
# load at a chosen step with fail_init=transfer|major|device|control.  Each
# failed load reports ENOMEM and the kernel message of that step, and leaves
# nothing behind: no module, no disk, no block major, no control node; the
# next load gets every device back and they hold data.  Reloads the driver.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx's own parameter"
[ "${LOOPX_DROPIN:-0}" = 1 ] && skip "the drop-in is a DKMS build, without fail_init"
modinfo -p "$KO" | grep -q '^fail_init:' ||
	fail "$KO has no fail_init: not built by make modules?"

major_name=$PFX
[ "$LOOPX_FAMILY" = compat ] && major_name=loop

left_behind() {
	local s
	driver_loaded && echo "module $MODNAME"
	for s in /sys/block/"$PFX"[0-9]*; do
		[ -e "$s" ] && echo "disk ${s##*/}"
	done
	sed -n '/^Block devices:/,$p' /proc/devices |
		grep -E "^ *[0-9]+ $major_name\$" | sed 's/^/major /'
	grep -E "^ *[0-9]+ ${CTL#/dev/}\$" /proc/misc | sed 's/^/misc /'
	true
}

detach_all
RELOADED=1
for step in transfer major device control; do
	unload_driver
	out=$(load_driver max_loop=4 fail_init=$step 2>&1) &&
		fail "the load with fail_init=$step succeeded"
	case "$out" in
	*"Cannot allocate memory"*) ;;
	*) fail "fail_init=$step: expected ENOMEM, got '$out'" ;;
	esac
	dmesg | grep -q "fail_init=$step: failing the load here" ||
		fail "no kernel message for fail_init=$step"
	left=$(left_behind)
	[ -z "$left" ] || fail "fail_init=$step left behind: $(echo "$left" | tr '\n' ' ')"

	load_driver max_loop=4 || fail "the load after fail_init=$step"
	for i in 0 3; do
		[ -b "$(dev $i)" ] || fail "$(dev $i) missing after fail_init=$step"
	done
	f=$(mkrand 2 "$step")
	d=$(attach "$f")
	eq "$(sha_direct "$d")" "$(sha "$f")" "data after fail_init=$step"
	detach_all
	wait_unbound "$d"
done
pass
