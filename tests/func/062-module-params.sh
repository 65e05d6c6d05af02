#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Module parameters: by default 8 devices exist after loading; max_loop=3
# gives exactly 3 (0..2); hw_queue_depth sets the tag count of the queue;
# the values show in /sys/module/*/parameters; a queue depth of 1 still
# completes fio's 16 parallel requests; direct_io=2 is refused with a
# message.  Reloads the driver.
. "$(dirname "$0")/lib.sh"

count() {
	local s n=0
	for s in /sys/block/"$PFX"[0-9]*; do
		[ -e "$s" ] && n=$((n + 1))
	done
	echo "$n"
}

reload_driver
eq "$(count)" 8 "devices after a default load"
for i in 0 7; do
	[ -b "$(dev $i)" ] || fail "$(dev $i) missing after a default load"
done

reload_driver max_loop=3
eq "$(count)" 3 "devices with max_loop=3"
eq "$(cat "/sys/module/$MODNAME/parameters/max_loop")" 3 "max_loop parameter"
for i in 0 1 2; do
	[ -b "$(dev $i)" ] || fail "$(dev $i) missing with max_loop=3"
done

# One tag only: every request waits for the previous one; nothing may
# hang or get lost (fio with 16 in flight).
reload_driver hw_queue_depth=1
eq "$(sysattr "$(dev 0)" mq/0/nr_tags)" 1 "nr_tags with hw_queue_depth=1"
f=$(mkimg 8M qd1)
d=$(attach "$f")
FIO_SIZE=8M fio_verify "$d" 1

reload_driver hw_queue_depth=32
eq "$(cat "/sys/module/$MODNAME/parameters/hw_queue_depth")" 32 "hw_queue_depth parameter"
eq "$(sysattr "$(dev 0)" mq/0/nr_tags)" 32 "nr_tags with hw_queue_depth=32"
f=$(mkrand 4)
d=$(attach "$f")
eq "$(sha_direct "$d")" "$(sha "$f")" "data with hw_queue_depth=32"
# A direct_io outside -1..1 is refused at load, with the reason logged.
if ! is_family loop; then
	detach_all
	unload_driver
	# load_driver's status is its node check, and compat's node is
	# left in /dev by guest-init: ask whether the module is there.
	load_driver direct_io=2 >/dev/null 2>&1 || true
	if driver_loaded; then
		fail "direct_io=2 was accepted"
	fi
	dmesg | grep -q "direct_io=2: must be -1, 0 or 1" ||
		fail "no kernel message for direct_io=2"
	load_driver
	RELOADED=1
	eq "$(cat "/sys/module/$MODNAME/parameters/direct_io")" "$(dio_default)" \
	   "direct_io after a default load"
fi
pass
