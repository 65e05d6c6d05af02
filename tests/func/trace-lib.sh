# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers of the hand-off tests (024, 093), sourced after lib.sh: where
# requests are handed off, seen through the workqueue_queue_work trace
# event, restricted to loopx's workqueues.

T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null ||
	skip "no tracefs"
ev=$T/events/workqueue/workqueue_queue_work
[ -d "$ev" ] || skip "no workqueue_queue_work event"
# the first CPU the test runs on: whatever it is, the local worker must match
cpu=$(cut -d, -f1 </sys/devices/system/cpu/online)
cpu=${cpu%%-*}

# shellcheck disable=SC2317 # only reached through the EXIT trap
trace_off() {
	echo 0 >"$T/tracing_on" || true
	echo 0 >"$ev/enable" || true
	echo 0 >"$ev/filter" || true
}
# cleanup takes the test's status from $?
# shellcheck disable=SC2154 # rc is assigned in the trap itself
trap 'rc=$?; trace_off; (exit "$rc"); cleanup' EXIT

# trace_run CMD...: run CMD with the event on; the trace goes to $WORK/trace
trace_run() {
	echo 0 >"$T/tracing_on"
	echo 8192 >"$T/buffer_size_kb"
	echo 'workqueue ~ "loop*"' >"$ev/filter"
	echo 1 >"$ev/enable"
	: >"$T/trace"
	echo 1 >"$T/tracing_on"
	"$@"
	echo 0 >"$T/tracing_on"
	cat "$T/trace" >"$WORK/trace"
}

# count FUNCTION WORKQUEUE [CPU]: traced hand-offs of FUNCTION to WORKQUEUE
# (made on CPU, if given)
count() {
	local where=.
	[ -n "${3:-}" ] && where="\\[0*$3\\]"
	# %ps names a module's function "name [module]"
	grep -Ec "$where .*function=$1( \[[a-z_]+\])? workqueue=$2 " \
		"$WORK/trace" || true
}
