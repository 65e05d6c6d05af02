#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test-all.sh [--no-stress] [--long]
#
# Everything CI runs, from a fresh Debian 12 machine (as root): install what
# is missing, build, static checks, host unit tests, the functional suite in
# the QEMU guest for native loopx, compat mode and stock loop, and the short
# variants of the stress and fault suite (tests/stress). --no-stress leaves
# the stress suite out; --long runs the long variants of both suites (hours
# under TCG). Each group's counts add up into the last line,
# "N passed, N failed". Logs go to build/test-logs/.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
long=
stress=1
for arg in "$@"; do
	case $arg in
	--long) long=--long ;;
	--no-stress) stress=0 ;;
	--stress) ;;	# the default now; accepted for old habits
	*) echo "usage: $0 [--no-stress] [--long]" >&2; exit 2 ;;
	esac
done

# Minutes after which CI (CI=true) leaves the stress suite out.
ci_budget=${LOOPX_CI_BUDGET:-40}
logs=$repo/build/test-logs
mkdir -p "$logs"
passed=0
failed=0

count() {
	passed=$((passed + $1))
	failed=$((failed + $2))
}

# One pass/fail check: name, then the command; its output goes to a log.
check() {
	local name=$1 log=$logs/$1.log
	shift
	if "$@" >"$log" 2>&1; then
		echo "ok - $name"
		count 1 0
	else
		echo "not ok - $name (log: $log)"
		tail -n 30 "$log" | sed 's/^/#   /'
		count 0 1
	fi
}

# Add the "N passed, N failed" line of a suite's output to the totals. A
# suite that died before printing it counts as one failure.
suite_counts() {
	local log=$1 line p f
	line=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $(basename "$log" .log) printed no result"
		count 0 1
		return
	fi
	line=${line#*: }
	read -r p _ f _ <<<"$line"
	count "${p%,}" "$f"
}

# A suite inside the VM: its own TAP lines go to the terminal, and the VM
# runner's verdict on the kernel log is one more check.
vm_suite() {
	local name=$1 log=$logs/$1.log status
	shift
	tests/vm/run-in-vm.sh --log "$logs/$name.console" -- "$@" 2>&1 |
		tee "$log" | grep -E '^(not )?ok |^#|passed, [0-9]+ failed|^vm: '
	status=${PIPESTATUS[0]}
	suite_counts "$log"
	case $status in
	3) echo "not ok - $name: kernel log has a splat"; count 0 1 ;;
	124|125) echo "not ok - $name: VM timed out or died ($status)"; count 0 1 ;;
	*) echo "ok - $name: kernel log clean"; count 1 0 ;;
	esac
}

main() {
	started=$(date +%s)
	echo "# prerequisites"
	scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

	echo "# build and static checks"
	check build make all
	check checkpatch make checkpatch
	check sparse make sparse
	check shellcheck make shellcheck

	echo "# host unit tests"
	make -C tests/unit run >"$logs/unit.log" 2>&1
	grep -E '^not ok' "$logs/unit.log"
	count "$(grep -cE '^ok ' "$logs/unit.log")" \
	      "$(grep -cE '^not ok ' "$logs/unit.log")"

	if [ ! -f kernel/loopx.ko ]; then
		echo "# no module was built: skipping the VM suites"
		count 0 1
	else
		echo "# functional suite, native loopx"
		vm_suite func-loopx tests/func/run.sh --family loopx $long
		# Default parameters in both modes: native uses direct I/O
		# wherever the file allows it, compat stays buffered unless
		# asked, as loop does, so the two cover both data paths.
		echo "# functional suite, compat mode (buffered unless asked)"
		vm_suite func-compat tests/func/run.sh --family compat $long
		echo "# functional suite, stock loop (the yardstick)"
		vm_suite func-loop tests/func/run.sh --family loop $long
	fi
	# CI stops a run at 90 minutes and then lands nothing: past the
	# budget below the stress suite (17 to 40 minutes) is left out,
	# and the line says so.
	used=$(( ($(date +%s) - started) / 60 ))
	if [ "$stress" = 1 ] && [ -n "${CI:-}" ] && [ "$used" -ge "$ci_budget" ]; then
		echo "# stress and faults: LEFT OUT, $used min of CI's 90 already used (budget $ci_budget min before it)"
		stress=0
	fi
	if [ "$stress" = 1 ] && [ -f kernel/loopx.ko ]; then
		echo "# stress and faults (boots its own VMs)"
		tests/stress/run.sh $long 2>&1 |
			tee "$logs/stress.log" |
			grep -E '^(not )?ok |^#   [a-z]|passed, [0-9]+ failed|^vm: '
		suite_counts "$logs/stress.log"
	fi

	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# bash reads a script as it runs: main "$@" on one line keeps edits safe
main "$@"; exit
