#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [--long] [--ko FILE] [--out FILE] [--vm-timeout S] [NAME...]
#
# The loopx stress scenarios (tests/stress/NN-*.sh, and crash.sh for 07).
# On the host it boots one test VM for the in-guest scenarios and then runs
# crash.sh, which needs VMs of its own; inside the VM (LOOPX_VM=1) it runs
# the in-guest scenarios itself.  NAME is a number (01) or a full name
# (01-partscan); none means all.  Output is TAP, each test followed by its
# counters line, and ends with "N passed, N failed"; exit 1 if any failed.
# A kernel splat during a scenario fails that scenario.  --out also writes
# the TAP to FILE (how the host gets it from the guest).  --ko tests another
# build of the module than kernel/loopx.ko (a path inside the repo, since
# the guest sees the host's /tmp only as its own).  --vm-timeout bounds the
# in-guest scenarios' VM as a whole (default 2400 s, 30000 with --long), as
# CI does to stay within its own limit.
set -u

usage() {
	sed -n '4p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

long=0 out='' ko='' sel=() vm_timeout=
while [ $# -gt 0 ]; do
	case "$1" in
	--long) long=1; shift ;;
	--out) out=${2:-}; [ -n "$out" ] || usage; shift 2 ;;
	--ko) ko=${2:-}; [ -n "$ko" ] || usage; shift 2 ;;
	--vm-timeout) vm_timeout=${2:-}; [ -n "$vm_timeout" ] || usage; shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) sel+=("$1"); shift ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ -n "$ko" ]; then
	ko=$(cd "$(dirname "$ko")" && pwd)/${ko##*/}
	export LOOPX_KO=$ko
fi

selected() { # selected NAME: is it in the selection (or no selection)
	local s
	[ ${#sel[@]} -eq 0 ] && return 0
	for s in "${sel[@]}"; do
		case "$1" in "$s"|"$s"-*) return 0 ;; esac
	done
	return 1
}

# --- host: one VM for the guest scenarios, then crash.sh --------------------

host_main() {
	local names=() n t tap vmrc=0 crash_rc i=0 passed=0 failed=0 line
	local args=() vmlog pre rest
	for t in "$here"/[0-9][0-9]-*.sh; do
		n=$(basename "$t" .sh)
		selected "$n" && names+=("$n")
	done
	mkdir -p "$repo/build/vm/out" "$repo/build/stress"
	tap=$(mktemp "$repo/build/vm/out/stress.XXXXXX")
	vmlog=$repo/build/stress/vm-$(date +%Y%m%d-%H%M%S).log
	[ "$long" = 1 ] && args+=(--long)
	[ -z "$ko" ] || args+=(--ko "$ko")

	echo "TAP version 13"
	if [ ${#names[@]} -gt 0 ]; then
		# Generous: a hung scenario is cut by its own timeout in the
		# guest, this only catches a guest that hangs as a whole.
		"$repo/tests/vm/run-in-vm.sh" \
			--timeout "${vm_timeout:-$((long ? 30000 : 2400))}" \
			--log "$vmlog" -- tests/stress/run.sh "${args[@]}" \
			--out "build/vm/out/${tap##*/}" "${names[@]}" \
			>"$vmlog.console" 2>&1 || vmrc=$?
		while IFS= read -r line; do
			case "$line" in
			"ok "*|"not ok "*)
				i=$((i + 1))
				case "$line" in
				ok*) passed=$((passed + 1)) pre=ok ;;
				*) failed=$((failed + 1)) pre="not ok" ;;
				esac
				# renumber: the guest counted only its own
				rest=${line#"$pre" }
				echo "$pre $i ${rest#* }"
				;;
			"#"*) echo "$line" ;;
			esac
		done < <(grep -aE '^(ok |not ok |#)' "$tap")
		# Scenarios that never reported: the guest died or hung.
		for n in "${names[@]}"; do
			grep -qaE "^(not )?ok [0-9]+ - $n( |$)" "$tap" && continue
			i=$((i + 1)) failed=$((failed + 1))
			echo "not ok $i - $n # no result: VM exit status $vmrc, see $vmlog"
		done
		# A splat the guest-side checks missed still fails the run.
		if [ "$vmrc" = 3 ]; then
			i=$((i + 1)) failed=$((failed + 1))
			echo "not ok $i - kernel log # see $vmlog"
		fi
		echo "# VM log $vmlog (exit status $vmrc)"
	fi
	rm -f "$tap"

	if selected 07-crash; then
		i=$((i + 1))
		crash_rc=0
		"$here/crash.sh" "${args[@]}" >"$vmlog.crash" 2>&1 || crash_rc=$?
		if [ "$crash_rc" = 0 ]; then
			passed=$((passed + 1))
			echo "ok $i - 07-crash"
		elif [ "$crash_rc" = 4 ]; then
			passed=$((passed + 1))
			echo "ok $i - 07-crash # SKIP $(sed -n 's/^SKIP: //p' "$vmlog.crash" | tail -n1)"
		else
			failed=$((failed + 1))
			echo "not ok $i - 07-crash # exit $crash_rc, see $vmlog.crash"
			grep -E '^(BAD|FAIL):' "$vmlog.crash" | head -n 20 | sed 's/^/#   /'
		fi
		grep -E '^counters:' "$vmlog.crash" | sed 's/^/#   /'
	fi
	echo "1..$i"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# --- guest: the scenarios, one after the other --------------------------------

# SPLAT, KO, the driver and device helpers: the suites' shared base
# shellcheck source=../lib/base.sh
. "$here/../lib/base.sh"

guest_main() {
	local tests=() t name log limit rc secs verdict why bad m d n=0
	local passed=0 failed=0 skipped=0 left

	export LOOPX_LONG=$long
	for t in "$here"/[0-9][0-9]-*.sh; do
		name=$(basename "$t" .sh)
		selected "$name" && tests+=("$t")
	done

	echo "TAP version 13"
	echo "1..${#tests[@]}"
	echo "# kernel $(uname -r), long=$long, $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"
	# the module lib.sh loads: the one built for the running kernel
	echo "# module $KO, srcversion $(modinfo -F srcversion "$KO" 2>/dev/null), built $(date -r "$KO" '+%F %T' 2>/dev/null)"
	# The guest sees the repo through a writable overlay and has gcc.
	if ! make -s -C "$here" >/dev/null 2>&1; then
		echo "Bail out! cannot build tests/stress helpers"
		make -C "$here"
		echo "0 passed, ${#tests[@]} failed"
		return 1
	fi

	for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		n=$((n + 1))
		log=$(mktemp)
		limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$t" | head -n1)
		limit=${limit:-600}
		[ "$long" = 0 ] || limit=$((limit * 8))

		# A scenario starts without loopx loaded; it loads it with the
		# parameters it wants.
		unload_driver 2>/dev/null
		dmesg -C
		SECONDS=0
		timeout -k 20 "$limit" bash "$t" >"$log" 2>&1 </dev/null
		rc=$?
		secs=$SECONDS
		why=""
		case "$rc" in
		0) verdict=ok ;;
		4) verdict=skip
		   why=$(sed -n 's/^SKIP: //p' "$log" | tail -n1) ;;
		124|137) verdict=notok why="timed out after ${limit}s" ;;
		*) verdict=notok
		   why=$(sed -n 's/^\(FAIL\|BAD\): //p' "$log" | head -n1)
		   why=${why:-exit status $rc} ;;
		esac
		bad=$(dmesg | grep -E "$SPLAT")
		if [ -n "$bad" ]; then
			verdict=notok why="kernel log: $(echo "$bad" | head -n1)"
			{ echo "--- kernel log:"; dmesg | tail -n 80; } >>"$log"
		fi

		# Whatever the scenario left must go before the next one runs.
		left=$(grep -o ' /scratch/lxstress[^ ]*' /proc/mounts | sort -r)
		for m in $left; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
		if driver_loaded; then
			for d in /sys/block/"$PFX"[0-9]*; do
				[ -d "$d/loop" ] && left="$left ${d##*/}"
			done
			detach_all
			unload_driver 2>/dev/null || left="$left module-busy"
		fi
		if [ -n "$left" ] && [ "$verdict" = ok ]; then
			verdict=notok why="left behind:$left"
		fi
		rm -rf /scratch/lxstress.*

		case "$verdict" in
		ok) passed=$((passed + 1)); echo "ok $n - $name" ;;
		skip) skipped=$((skipped + 1)) passed=$((passed + 1))
	      echo "ok $n - $name # SKIP $why" ;;
		*) failed=$((failed + 1)); echo "not ok $n - $name # $why" ;;
		esac
		echo "#   ${secs}s; $(grep -a '^counters:' "$log" | tail -n1)"
		if [ "$verdict" = notok ]; then
			sed 's/^/#   /' "$log" | tail -n 150
		else
			# the scenario's notes: figures worth keeping
			grep -a '^# ' "$log" | head -n 30 | sed 's/^/#  /'
		fi
		rm -f "$log"
	done
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

if [ "${LOOPX_VM:-}" = 1 ]; then
	if [ -n "$out" ]; then
		guest_main | tee "$out"
		exit "${PIPESTATUS[0]}"
	fi
	guest_main
else
	host_main
fi
