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

# REPO, SCRATCH, LXCTL, LX, KO, SPLAT, sysof, bound
# shellcheck source=../lib/base.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/base.sh"
# Used by the scenarios that source this file.
# shellcheck disable=SC2034
ST=$REPO/tests/stress
# shellcheck disable=SC2034
STIO=$ST/stio
LONG=${LOOPX_LONG:-0}
CTL=/dev/loopx-control
export LXCTL_CONTROL=$CTL

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

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
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

# --- driver -----------------------------------------------------------------

loaded() { [ -d /sys/module/loopx ]; }

# load_loopx [PARAM=VALUE...]
# shellcheck disable=SC2120 # the parameters are optional
load_loopx() {
	insmod "$KO" "$@" || return 1
	[ -c "$CTL" ] || { echo "lib.sh: $CTL missing after insmod" >&2; return 1; }
}

unload_loopx() {
	loaded || return 0
	rmmod loopx
}

dev() { echo "/dev/loopx$1"; }

# wait_unbound DEV [SECONDS]
wait_unbound() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		bound "$1" || return 0
		sleep 0.1
	done
	return 1
}

# bind_file DEV FILE FLAGS: LOOP_CONFIGURE with FLAGS (LO_FLAGS_*, 16 is
# direct I/O).  loopx uses direct I/O by default, so without flag 16 it is
# switched off afterwards: the buffered path gets its share of the rounds.
# Prints lxctl's answer on failure.
bind_file() {
	local out
	out=$("$LXCTL" configure "$1" "$2" --flags "$3" 2>&1) ||
		{ echo "configure: $out"; return 1; }
	if [ $(($3 & 16)) = 0 ]; then
		out=$("$LXCTL" set-dio "$1" 0 2>&1) ||
			{ echo "set-dio 0: $out"; return 1; }
	fi
}

# Clear every bound loopx device (busy ones get autoclear).
detach_all() {
	local d
	for d in /sys/block/loopx[0-9]*; do
		[ -d "$d/loop" ] || continue
		"$LXCTL" clr-fd "/dev/${d##*/}" >/dev/null || true
	done
}

# --- per-scenario state -----------------------------------------------------

PIDS=()
MOUNTS=()

# Kill background jobs, unmount, detach; the scenario's own cleanup (the
# CLEANUP function, if defined) runs first.
cleanup() {
	local rc=$? p i
	set +e
	if declare -F CLEANUP >/dev/null; then
		CLEANUP
	fi
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		mountpoint -q "${MOUNTS[i]}" && umount "${MOUNTS[i]}"
	done
	if loaded; then
		detach_all
	fi
	rm -rf "$WORK"
	exit "$rc"
}

if [ -z "${LIB_NO_TEST:-}" ]; then
	[ -d "$SCRATCH" ] || { echo "lib.sh: no scratch dir $SCRATCH" >&2; exit 2; }
	WORK=$(mktemp -d "$SCRATCH/lxstress.XXXXXX")
	trap cleanup EXIT
fi

mnt() {
	local d=$1 m=$2
	shift 2
	mkdir -p "$m"
	mount "$@" "$d" "$m" || fail "mount $d $m $*"
	MOUNTS+=("$m")
}

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
