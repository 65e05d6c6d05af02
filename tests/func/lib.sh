# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared helpers for the functional tests in tests/func (sourced by every
# NNN-*.sh and by run.sh).  The tests run as root inside the test VM.
#
# The device family (LOOPX_FAMILY: loopx, compat or loop) and its names
# come from tests/lib/base.sh.  Every test is written against those
# variables, never a literal name, so one suite checks all three.
#
# Test exit status: 0 pass, 1 fail, 4 skip (kselftest's convention).  The
# last "SKIP: why" / "FAIL: why" line is what run.sh shows.

set -eu
# $(...) subshells must stop at the first failing command as well.
shopt -s inherit_errexit

# REPO, SCRATCH, LXCTL, LX, KO, SPLAT, the family (PFX, CTL, MODNAME), dev,
# sysof, bound, need, load_driver, unload_driver, detach_all, mnt,
# release_all
# shellcheck source=../lib/base.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/base.sh"

# --- results ----------------------------------------------------------------

# All of these write to stderr, so that they still reach the log when
# called inside $(...).  fail and skip in a $(...) subshell end only that
# subshell; the caller's "x=$(...)" then fails and set -e ends the test.
pass() {
	echo "PASS" >&2
	exit 0
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 4
}

# Diagnostic line, shown by run.sh when the test fails.
note() {
	echo "# $*" >&2
}

# --- names ------------------------------------------------------------------

sysblk() { echo "/sys/block/${PFX}$1"; }
sysloop() { echo "/sys/block/${PFX}$1/loop"; }

# Index of a device path or name: /dev/loopx3 -> 3.
devidx() {
	local n=${1##*/}
	echo "${n#"$PFX"}"
}

# Partition N of a device: /dev/loopx3 -> /dev/loopx3p1.
part() { echo "${1}p$2"; }

is_family() { [ "$LOOPX_FAMILY" = "$1" ]; }

# Whether the driver under test is loopx (native, compat or the drop-in).
is_loopx() { ! is_family loop; }

# Skip unless the family is one of the arguments.
only_family() {
	local f
	for f in "$@"; do
		is_family "$f" && return 0
	done
	skip "not for family $LOOPX_FAMILY (only $*)"
}

# --- driver -----------------------------------------------------------------

# reload_driver [PARAM=VALUE...]: for tests of module parameters.  The
# test's cleanup puts the default driver back (see cleanup below).
reload_driver() {
	detach_all
	unload_driver
	load_driver "$@"
	RELOADED=1
}

# --- per-test state and cleanup ---------------------------------------------

RELOADED=0

cleanup() {
	local rc=$?
	set +e
	release_all
	if [ "$RELOADED" = 1 ]; then
		unload_driver && load_driver
	fi
	rm -rf "$WORK"
	exit "$rc"
}

# run.sh sources this file for the names and driver helpers only.
if [ -z "${LIB_NO_TEST:-}" ]; then
	# Everything a test creates lives under $WORK, on the ext4 scratch
	# disk (the guest's /tmp is tmpfs, which has no O_DIRECT).
	[ -d "$SCRATCH" ] || { echo "lib.sh: no scratch dir $SCRATCH" >&2; exit 2; }
	WORK=$(mktemp -d "$SCRATCH/lxfunc.XXXXXX")
	trap cleanup EXIT
fi

# --- files ------------------------------------------------------------------

# mkimg SIZE [NAME]: a sparse file of SIZE (truncate syntax) under $WORK.
mkimg() {
	local f=$WORK/${2:-img$RANDOM}
	truncate -s "$1" "$f"
	echo "$f"
}

# mkrand SIZE_MIB [NAME]: a file of random data (so any misplaced block
# changes its checksum).
mkrand() {
	local f=$WORK/${2:-rand$RANDOM}
	head -c "$(($1 << 20))" /dev/urandom >"$f"
	echo "$f"
}

# sha FILE [OFFSET [LEN]]: sha256 of a byte range (to the end if no LEN).
sha() {
	local f=$1 off=${2:-0} len=${3:-}
	if [ -n "$len" ]; then
		dd if="$f" bs=1M iflag=skip_bytes,count_bytes skip="$off" \
		   count="$len" status=none | sha256sum | cut -d' ' -f1
	else
		dd if="$f" bs=1M iflag=skip_bytes skip="$off" status=none |
			sha256sum | cut -d' ' -f1
	fi
}

# sha_direct DEV [OFFSET [LEN]]: as sha, but O_DIRECT, so a stale page
# cache of the device cannot hide what the driver really returns.
sha_direct() {
	local f=$1 off=${2:-0} len=${3:-}
	if [ -n "$len" ]; then
		dd if="$f" bs=1M iflag=direct,skip_bytes,count_bytes \
		   skip="$off" count="$len" status=none | sha256sum | cut -d' ' -f1
	else
		dd if="$f" bs=1M iflag=direct,skip_bytes skip="$off" \
		   status=none | sha256sum | cut -d' ' -f1
	fi
}

# sha of LEN zero bytes.
sha_zero() {
	head -c "$1" /dev/zero | sha256sum | cut -d' ' -f1
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# --- devices ----------------------------------------------------------------

# attach [CLI OPTIONS...] FILE: attach with the CLI, print the device.
attach() {
	local d
	d=$("$LX" -f --show "$@") || fail "$LX -f --show $*: exit $?"
	[ -b "$d" ] || fail "$LX -f --show $* printed '$d', not a block device"
	echo "$d"
}

# A free device from LOOP_CTL_GET_FREE, for the raw ioctl tests.
free_dev() {
	local out
	out=$("$LXCTL" ctl-get-free) || fail "ctl-get-free: $out"
	dev "${out#ok }"
}

# wait_unbound DEV: an autoclear device must be unbound by the time its
# last close has returned (a "losetup -d; losetup DEV ..." script relies
# on it).  If it is not, wait a little to tell "late" from "never".
wait_unbound() {
	local i
	bound "$1" || return 0
	for ((i = 1; i <= 50; i++)); do
		sleep 0.1
		if ! bound "$1"; then
			echo "FAIL: $1 unbound $((i * 100)) ms after the last close, not at it" >&2
			return 1
		fi
	done
	return 1
}

devsize() { blockdev --getsize64 "$1"; }

# sysattr DEV ATTR: a file under /sys/block/<dev>/ (e.g. loop/offset).
sysattr() {
	local f=/sys/block/${1##*/}/$2
	[ -r "$f" ] || fail "$f does not exist"
	echo "$(<"$f")"
}

# --- lxctl ------------------------------------------------------------------

lxctl() { "$LXCTL" "$@"; }

# Whether a plain bind uses direct I/O where the file allows it: loopx
# does by default in native mode and not in compat mode, as the module
# parameter direct_io shows once loaded (1 or 0; Y or N when it was a
# bool); stock loop never does.
dio_default() {
	local p=/sys/module/$MODNAME/parameters/direct_io
	if is_loopx; then
		case "$(cat "$p" 2>/dev/null)" in
		1|Y) echo 1; return ;;
		esac
	fi
	echo 0
}

# lo_flags of DEV without LO_FLAGS_DIRECT_IO, for tests about other flags
# (whether direct I/O is on by default differs between the drivers).
flags_nodio() {
	echo $(($(field "$(status64 "$1")" lo_flags) & ~16))
}

# expect_errno EXPECTED CMD...: run an lxctl-style command and compare the
# first word it prints ("ok", "EINVAL", ...) with EXPECTED.
expect_errno() {
	local want=$1 out got
	shift
	out=$("$@" 2>&1) || true
	got=${out%%$'\n'*}
	got=${got%% *}
	[ "$got" = "$want" ] || fail "$*: expected $want, got '$out'"
}

# field OUTPUT KEY: the value of KEY=... in lxctl get-status* output.
field() {
	local line
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$2" ]; then
			echo "${line#*=}"
			return 0
		fi
	done <<<"$1"
	fail "no field $2 in: $1"
}

# status64 DEV: LOOP_GET_STATUS64 output, failing the test on an error.
status64() {
	local out
	out=$("$LXCTL" get-status64 "$1") || fail "get-status64 $1: $out"
	echo "$out"
}

# eq ACTUAL EXPECTED WHAT
eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# hold DEV [lxctl hold options]: keep DEV open in the background until the
# test ends or kill_hold; sets HOLD_PID.  Waits until the open happened.
hold() {
	local out=$WORK/hold.$RANDOM i
	"$LXCTL" hold "$@" 3600 >"$out" 2>&1 &
	HOLD_PID=$!
	PIDS+=("$HOLD_PID")
	for ((i = 0; i < 100; i++)); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	[ "$(head -n1 "$out")" = ok ] || fail "hold $*: $(cat "$out")"
}

kill_hold() {
	kill "$1"
	wait "$1" 2>/dev/null || true
}

# --- partitions ---------------------------------------------------------------

# mkparts FILE gpt|dos: four partitions of 8, 8, 16 and 16 MiB (the file
# needs at least 64 MiB).
mkparts() {
	printf 'label: %s\nsize=8MiB\nsize=8MiB\nsize=16MiB\nsize=16MiB\n' "$2" |
		sfdisk -q "$1" >/dev/null || fail "sfdisk $2 on $1"
}

# expected_parts FILE: "start:size" of each partition, in sectors, as
# sfdisk reads the table back.
expected_parts() {
	sfdisk -d "$1" | sed -n 's/.*start= *\([0-9]*\), *size= *\([0-9]*\).*/\1:\2/p'
}

# check_parts DEV START:SIZE...: partitions 1..N exist right now (no
# udevadm settle: devtmpfs creates nodes synchronously) with these starts
# and sizes, and there is no partition N+1.
check_parts() {
	local d=$1 i=0 want ps
	shift
	for want in "$@"; do
		i=$((i + 1))
		ps=$(sysof "$d")/${d##*/}p$i
		[ -b "$(part "$d" $i)" ] || fail "$(part "$d" $i) missing"
		[ -d "$ps" ] || fail "$ps missing"
		eq "$(cat "$ps/start"):$(cat "$ps/size")" "$want" \
		   "start:size of $(part "$d" $i)"
		eq "$(devsize "$(part "$d" $i)")" "$((${want#*:} * 512))" \
		   "size of $(part "$d" $i)"
	done
	[ ! -e "$(part "$d" $((i + 1)))" ] || fail "unexpected $(part "$d" $((i + 1)))"
}

# no_parts DEV: no partition node and no partition in sysfs.
no_parts() {
	local p
	for p in "$1"p[0-9]* "$(sysof "$1")/${1##*/}"p[0-9]*; do
		[ ! -e "$p" ] || fail "$p exists"
	done
}

# kdev MAJOR MINOR: dev_t the way the kernel reports it in loop_info64
# (huge_encode_dev, the same as glibc's makedev for these ranges).
kdev() {
	echo $((($2 & 0xff) | ($1 << 8) | (($2 & ~0xff) << 12)))
}

# rdev_of NODE: kdev of a device node's st_rdev.
rdev_of() {
	kdev "$((0x$(stat -c %t "$1")))" "$((0x$(stat -c %T "$1")))"
}

# --- fio ----------------------------------------------------------------------

# fio_verify DEV DIRECT [fio options]: random writes of mixed sizes with
# crc32c verify headers, read back and checked.  With --verify_only, only
# the check of what an earlier identical run wrote.
fio_verify() {
	local d=$1 direct=$2 out
	shift 2
	if ! out=$(fio --name=lxverify --filename="$d" --size="${FIO_SIZE:-32M}" \
			--rw=randwrite --bsrange=4k-64k --ioengine=libaio \
			--iodepth=16 --direct="$direct" --verify=crc32c \
			--verify_fatal=1 --randrepeat=1 --randseed=4242 \
			"$@" 2>&1); then
		echo "$out" >&2
		fail "fio on $d (direct=$direct $*) failed"
	fi
	echo "$out" | grep -q "err= 0" || { echo "$out" >&2; fail "fio reported errors"; }
}
