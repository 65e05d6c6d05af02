# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# used_kib: memory in use less the page cache, in KiB, once what can go
# has gone. Sourced by stress scenario 10 and bench/run.sh, which read it
# before and after creating many devices.
used_kib() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	# RCU-freed objects go after a grace period
	sleep 1
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 }
	     /^Buffers:/ { b = $2 } /^Cached:/ { c = $2 }
	     END { print t - f - b - c }' /proc/meminfo
}
