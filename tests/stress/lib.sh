# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared helpers of the stress scenarios (tests/stress/NN-*.sh), sourced by
# each of them and by run.sh.  They run as root inside the test VM.
#
# A scenario counts instead of stopping at the first problem: "bad MSG"
# prints the problem and bumps the failure count, "count NAME [N]" bumps a
# counter, and "finish" prints the line run.sh reports,
#   counters: rounds=N faults=N calls=N failures=N [name=N...]
# and exits 1 if anything failed.  "fail MSG" is for setup problems after
# which going on makes no sense.  Exit status 4 means skipped ("SKIP: why").

set -eu
shopt -s inherit_errexit

# REPO, SCRATCH, LXCTL, LX, KO, SPLAT, the family (loopx: PFX, CTL,
# MODNAME), dev, sysof, bound, need, load_driver, unload_driver,
# driver_loaded, detach_all, mnt, release_all
[ "${LOOPX_FAMILY:-loopx}" = loopx ] ||
	{ echo "lib.sh: the stress suite runs native loopx only" >&2; exit 2; }
# shellcheck source=../lib/base.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/base.sh"
# Used by the scenarios that source this file.
# shellcheck disable=SC2034
ST=$REPO/tests/stress
# shellcheck disable=SC2034
STIO=$ST/stio
LONG=${LOOPX_LONG:-0}

# pick LONG_VALUE SHORT_VALUE: the value for this run (--long or not).
pick() {
	if [ "$LONG" = 1 ]; then echo "$1"; else echo "$2"; fi
}

# --- counting ---------------------------------------------------------------

declare -A COUNT=()
ORDER=(rounds faults calls failures)
for _k in "${ORDER[@]}"; do COUNT[$_k]=0; done

count() {
	local k=$1 n=${2:-1}
	if [ -z "${COUNT[$k]+set}" ]; then
		COUNT[$k]=0
		ORDER+=("$k")
	fi
	COUNT[$k]=$((COUNT[$k] + n))
}

bad() {
	echo "BAD: $*" >&2
	count failures
}

note() {
	echo "# $*" >&2
}

fail() {
	echo "FAIL: $*" >&2
	count failures
	finish
}

skip() {
	echo "SKIP: $*" >&2
	exit 4
}

counters_line() {
	local k s="counters:"
	for k in "${ORDER[@]}"; do
		s="$s $k=${COUNT[$k]}"
	done
	echo "$s secs=$SECONDS"
}

finish() {
	counters_line
	[ "${COUNT[failures]}" = 0 ] && exit 0
	exit 1
}

# A helper's "counters"-like output line "name: k=v k=v ..." added to ours.
add_counts() {
	local kv
	for kv in ${1#*: }; do
		case "$kv" in
		*=*[!0-9]*|*=) ;;
		*=*) count "${kv%%=*}" "${kv#*=}" ;;
		esac
	done
}

# --- devices ---------------------------------------------------------------

# wait_unbound DEV [SECONDS]
wait_unbound() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		bound "$1" || return 0
		sleep 0.1
	done
	return 1
}

# bind_file DEV FILE FLAGS [lxctl options]: LOOP_CONFIGURE with FLAGS
# (LO_FLAGS_*, 16 is direct I/O).  loopx uses direct I/O by default, so
# without flag 16 it is switched off afterwards: the buffered path gets its
# share of the rounds.
# Prints lxctl's answer on failure.
bind_file() {
	local out
	out=$("$LXCTL" configure "$1" "$2" --flags "$3" "${@:4}" 2>&1) ||
		{ echo "configure: $out"; return 1; }
	if [ $(($3 & 16)) = 0 ]; then
		out=$("$LXCTL" set-dio "$1" 0 2>&1) ||
			{ echo "set-dio 0: $out"; return 1; }
	fi
}

# --- per-scenario state -----------------------------------------------------

# The scenario's own cleanup (the CLEANUP function, if defined) runs
# first, then the shared release of jobs, mounts and devices.
cleanup() {
	local rc=$?
	set +e
	if declare -F CLEANUP >/dev/null; then
		CLEANUP
	fi
	release_all
	rm -rf "$WORK"
	exit "$rc"
}

if [ -z "${LIB_NO_TEST:-}" ]; then
	[ -d "$SCRATCH" ] || { echo "lib.sh: no scratch dir $SCRATCH" >&2; exit 2; }
	WORK=$(mktemp -d "$SCRATCH/lxstress.XXXXXX")
	trap cleanup EXIT
fi

# --- slab and module accounting ---------------------------------------------

# slab_snapshot FILE: "name active_objs" of the caches leaks would show in.
# slub_debug (the VM's default) keeps caches unmerged and the counts exact.
slab_snapshot() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	# RCU-freed objects (inodes, kernfs nodes) go after a grace period.
	sleep 1
	awk 'NR > 2 && $1 ~ /^(kmalloc-[0-9kM]+|bio-[0-9]+|biovec-|bdev_cache|request_queue|blkdev_ioc|kernfs_node_cache|kernfs_iattrs_cache|inode_cache|dentry|sysfs_dir_cache|radix_tree_node)/ {
		print $1, $2 }' /proc/slabinfo | sort >"$1"
}

# slab_compare BEFORE AFTER SLACK: print caches that grew by more than
# SLACK objects; returns 1 if any did.
slab_compare() {
	join "$1" "$2" | awk -v slack="$3" '
		$3 - $2 > slack { printf "%s %d -> %d (+%d)\n", $1, $2, $3, $3 - $2; grew = 1 }
		END { exit grew }'
}
