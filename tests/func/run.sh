#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [--family loopx|compat|loop] [--dropin] [--lean] [--params P=V,...]
#        [--long] [NNN...]
#
# Run the functional tests (tests/func/NNN-*.sh) inside the test VM, e.g.
#   tests/vm/run-in-vm.sh -- tests/func/run.sh --family loop
# --params loads loopx with these module parameters (e.g. direct_io=0, to
# run every test on buffered I/O).  --dropin runs the compat family on the
# drop-in loop module that the loopx-loop-dkms package installed (modprobe
# loop) instead of loopx.ko compat=1.  --lean (CI, for a family whose
# twin already ran) trims the longest tests: see LOOPX_LEAN in lib.sh.
# Loads the driver of the family first and unloads it at the end (both are
# reported as checks: an rmmod that fails means something kept a reference).
# Each test runs in its own bash with a timeout; after it, new kernel log
# lines with a splat, leftover bound devices or mounts fail that test.
# A test's log is shown when it fails; its "case: ..." lines always are.
# Output is TAP; the last line is "N passed, N failed[, N skipped]".
# Exit status 1 if anything failed, 2 on usage errors.
set -u

usage() {
	sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

family=${LOOPX_FAMILY:-loopx}
params=${LOOPX_PARAMS:-}
long=0
sel=()
while [ $# -gt 0 ]; do
	case "$1" in
	--family) family=${2:-}; shift 2 || usage ;;
	--family=*) family=${1#*=}; shift ;;
	--long) long=1; shift ;;
	--dropin) family=compat; export LOOPX_DROPIN=1; shift ;;
	--lean) export LOOPX_LEAN=1; shift ;;
	--params) params=${2:-}; shift 2 || usage ;;
	--params=*) params=${1#*=}; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) sel+=("$1"); shift ;;
	esac
done
case "$family" in
loopx|compat|loop) ;;
*) usage ;;
esac

export LOOPX_FAMILY=$family LOOPX_LONG=$long LOOPX_PARAMS=${params//,/ }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
LIB_NO_TEST=1 . "$here/lib.sh"
set +e
cd "$REPO" || exit 2


tests=()
for t in "$here"/[0-9][0-9][0-9]-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ ${#sel[@]} -gt 0 ]; then
		want=0
		for s in "${sel[@]}"; do
			case "$name" in "$s"|"$s"-*) want=1 ;; esac
		done
		[ "$want" = 1 ] || continue
	fi
	tests+=("$t")
done

n=0 passed=0 failed=0 skipped=0
result() { # result ok|notok|skip NAME [REASON]
	n=$((n + 1))
	case "$1" in
	ok) passed=$((passed + 1)); echo "ok $n - $2" ;;
	skip) skipped=$((skipped + 1)); echo "ok $n - $2 # SKIP ${3:-}" ;;
	*) failed=$((failed + 1)); echo "not ok $n - $2${3:+ # $3}" ;;
	esac
}
summary() {
	local s="$passed passed, $failed failed"
	[ "$skipped" = 0 ] || s="$s, $skipped skipped"
	echo "$s"
	[ "$failed" = 0 ]
	exit $?
}
indent() { sed 's/^/#   /'; }

echo "TAP version 13"
echo "1..$((${#tests[@]} + 2))"
echo "# family $family${LOOPX_DROPIN:+ (drop-in module loop)} ($PFX*, $CTL), kernel $(uname -r), long=$long${params:+, params $params}"

# The helpers are built here if needed: the guest sees the repo through a
# writable overlay, and gcc comes with the host root.
if [ ! -x "$LXCTL" ] || [ "$LXCTL" -ot "$REPO/tests/helpers/lxctl.c" ]; then
	make -s -C "$REPO/tests/helpers" >/dev/null 2>&1
fi

# Start from a clean state: no driver of this family loaded, and for
# compat, no stock loop in the way.
if ! out=$(
	{ unload_driver &&
	  { [ "$family" != compat ] || [ ! -d /sys/module/loop ] ||
	    rmmod loop; } &&
	  [ -x "$LXCTL" ] &&
	  load_driver; } 2>&1
) || ! driver_loaded; then
	result notok "load $MODNAME driver" "could not load"
	echo "$out" | indent
	echo "Bail out! driver not loaded"
	summary
fi
result ok "load $MODNAME driver"

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$(mktemp)
	# A test may ask for more time with a "# timeout: SECONDS" header.
	limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$t" | head -n1)
	limit=${limit:-300}
	[ "$long" = 0 ] || limit=$((limit * 4))

	dmesg -C
	start=$(date +%s)
	# timeout makes itself a process group leader; whatever the test
	# left running in the background (a holder of a device) goes with
	# the group afterwards.
	timeout -k 10 "$limit" bash "$t" >"$log" 2>&1 </dev/null &
	tpid=$!
	wait "$tpid"
	rc=$?
	kill -- -"$tpid" 2>/dev/null && sleep 0.5
	secs=$(($(date +%s) - start))
	why=""

	case "$rc" in
	0) verdict=ok ;;
	4) verdict=skip
	   why=$(sed -n 's/^SKIP: //p' "$log" | tail -n1) ;;
	124|137) verdict=notok why="timed out after ${limit}s" ;;
	*) verdict=notok
	   why=$(sed -n 's/^FAIL: //p' "$log" | tail -n1)
	   why=${why:-exit status $rc} ;;
	esac

	# A splat fails the test that caused it, whatever the test said.
	bad=$(dmesg | grep -E "$SPLAT")
	if [ -n "$bad" ]; then
		verdict=notok why="kernel log: $(echo "$bad" | head -n1)"
		{ echo "--- kernel log:"; dmesg | tail -n 60; } >>"$log"
	fi

	# The test's cleanup must have released everything; anything left
	# is a bug in it or in the driver, and would disturb later tests.
	left=$(grep -o " $SCRATCH/lxfunc[^ ]*" /proc/mounts | sort -r)
	for m in $left; do
		umount "$m" >/dev/null 2>&1 || umount -l "$m"
	done
	bound=""
	for d in /sys/block/"$PFX"[0-9]*; do
		[ -d "$d/loop" ] || continue
		bound="$bound ${d##*/}"
		"$LXCTL" clr-fd "/dev/${d##*/}" >/dev/null
	done
	if [ -n "$left$bound" ] && [ "$verdict" != notok ]; then
		verdict=notok why="left behind:${left:+ mounts $left}${bound:+ bound$bound}"
	fi
	rm -rf "$SCRATCH"/lxfunc.*

	if ! driver_loaded; then
		load_driver >>"$log" 2>&1
		[ "$verdict" = notok ] || {
			verdict=notok why="left the driver unloaded"
		}
	fi

	result "$verdict" "$name" "$why"
	echo "#   ${secs}s"
	# A failure shows the whole log; otherwise only the "case: " lines,
	# the one-line results of tests made of several cases (046).
	if [ "$verdict" = notok ]; then
		indent <"$log"
	else
		grep '^case: ' "$log" | indent
	fi
	rm -f "$log"
done

if out=$(unload_driver 2>&1) && ! driver_loaded; then
	result ok "unload $MODNAME driver"
else
	result notok "unload $MODNAME driver" "rmmod failed"
	echo "$out" | indent
	lsmod | grep -E "^$MODNAME " | indent
fi
summary
