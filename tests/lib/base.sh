# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The base that both guest suites share (tests/func/lib.sh and
# tests/stress/lib.sh source it, and so do their runners): where the tree
# and the tools are, the family under test with its device names, loading
# and unloading its driver, cleaning up after a test, and the one list of
# kernel messages that fail a test or a scenario.  Each suite keeps its
# own checks and its own way of reporting on top; both define skip.
#
# Device family, from LOOPX_FAMILY (default loopx; the stress suite knows
# no other):
#   loopx   loopx.ko native: /dev/loopxN, /dev/loopx-control
#   compat  loopx.ko compat=1: /dev/loopN, /dev/loop-control, major 7
#   loop    the distribution's stock loop.ko, for comparison

# Used by the files that source this one.
# shellcheck disable=SC2034
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034
SCRATCH=${LOOPX_SCRATCH:-/scratch}
LXCTL=$REPO/tests/helpers/lxctl
# The project's CLI speaks to whichever control node exists, so it serves
# every family.  LOOPX_CLI may point elsewhere (e.g. losetup, to compare).
# shellcheck disable=SC2034
LX=${LOOPX_CLI:-$REPO/cli/loopx}

# The module built for the running kernel: kernel/loopx.ko for the default
# (6.1) kernel, build/kmod/<version>/kernel/loopx.ko for any other (see the
# Makefile).  LOOPX_KO overrides, e.g. with a frozen copy while kernel/ is
# being edited.
KO=$REPO/build/kmod/$(uname -r)/kernel/loopx.ko
[ -f "$KO" ] || KO=$REPO/kernel/loopx.ko
KO=${LOOPX_KO:-$KO}

# Kernel messages that mean the driver (or the kernel under it) broke: the
# runners grep the kernel log with it after every test and scenario, on top
# of tests/vm/check-log.sh's verdict on the whole console.
# shellcheck disable=SC2034
SPLAT='WARNING:|BUG:|Oops|general protection|corruption|blocked for more than|kernel BUG|Call Trace|hung_task|Poison overwritten|Redzone|Object already free'

LOOPX_FAMILY=${LOOPX_FAMILY:-loopx}
case "$LOOPX_FAMILY" in
loopx)
	PFX=loopx CTL=/dev/loopx-control MODNAME=loopx ;;
compat)
	PFX=loop CTL=/dev/loop-control MODNAME=loopx
	# The drop-in (tests/func/run.sh --dropin): loopx built as a module
	# named loop, installed by loopx-loop-dkms, loaded by modprobe.
	[ "${LOOPX_DROPIN:-0}" = 1 ] && MODNAME=loop ;;
loop)
	PFX=loop CTL=/dev/loop-control MODNAME=loop ;;
*)
	echo "base.sh: unknown LOOPX_FAMILY '$LOOPX_FAMILY'" >&2
	exit 2 ;;
esac
export LXCTL_CONTROL=$CTL

# /dev/<family>N
dev() { echo "/dev/${PFX}$1"; }

# /sys/block/<name> of a device path.
sysof() { echo "/sys/block/${1##*/}"; }

# Whether a loop or loopx device has a backing file.
bound() { [ -d "$(sysof "$1")/loop" ]; }

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
}

# --- driver -----------------------------------------------------------------

driver_loaded() { [ -d "/sys/module/$MODNAME" ]; }

# load_driver [PARAM=VALUE...]: load the family's driver, loopx with
# $LOOPX_PARAMS first (tests/func/run.sh --params), so that the arguments
# win.
# shellcheck disable=SC2120 # the parameters are optional
load_driver() {
	local -a modparams
	read -r -a modparams <<<"${LOOPX_PARAMS:-}"
	case "$LOOPX_FAMILY" in
	loopx)
		insmod "$KO" "${modparams[@]}" "$@" || return ;;
	compat)
		if [ -d /sys/module/loop ]; then
			echo "base.sh: stock loop is loaded, compat=1 cannot work" >&2
			return 1
		fi
		if [ "${LOOPX_DROPIN:-0}" = 1 ]; then
			modprobe loop "${modparams[@]}" "$@" || return
			[ "$(cat /sys/module/loop/version 2>/dev/null)" = \
			  "$(cat "$REPO/VERSION")" ] || {
				echo "base.sh: modprobe loop loaded another loop, not the drop-in" >&2
				return 1
			}
		else
			insmod "$KO" compat=1 "${modparams[@]}" "$@" || return
		fi ;;
	loop)
		modprobe loop "$@" || return ;;
	esac
	# The control node is created by devtmpfs, synchronously.
	[ -c "$CTL" ] || { echo "base.sh: $CTL missing after load" >&2; return 1; }
}

unload_driver() {
	driver_loaded || return 0
	rmmod "$MODNAME"
}

# Detach every bound device of the family under test.  Busy devices (still
# mounted, still held) get autoclear from CLR_FD and go when released.
detach_all() {
	local d
	for d in /sys/block/"$PFX"[0-9]*; do
		[ -d "$d/loop" ] || continue
		"$LXCTL" clr-fd "/dev/${d##*/}" >/dev/null || true
	done
}

# --- what a test leaves behind ------------------------------------------------

# Background jobs, mounts and device-mapper devices a test registers here
# go in release_all.
PIDS=()
MOUNTS=()
DMS=()

# mnt DEV DIR [mount options]: mount and remember it for cleanup.
mnt() {
	local d=$1 m=$2
	shift 2
	mkdir -p "$m"
	mount "$@" "$d" "$m" || fail "mount $d $m $*"
	MOUNTS+=("$m")
}

# release_all: what each suite's EXIT trap does first.  Kill the jobs,
# unmount what can go (mounts of devices), detach every device, then
# unmount the rest (a mount that holds a backing file can only go after
# the detach).
release_all() {
	local p m i
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		mountpoint -q "$m" && umount "$m" 2>/dev/null
	done
	for m in "${DMS[@]}"; do
		dmsetup remove --retry "$m" 2>/dev/null
	done
	driver_loaded && detach_all
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		mountpoint -q "$m" && umount "$m"
	done
	return 0
}
