#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 09 mempressure: swap on loopx, and I/O on loopx from a tight memory
# cgroup, at the same time; nothing may deadlock and everything must end in
# bounded time.  Rounds (4 long, 2 short) alternate direct and buffered I/O
# on the backing side of the swap device, and every second round encrypts
# it (aes-xts-plain64: bounce pages from the device's pool, cipher requests
# from another, under the same pressure).  Each round:
#   - /dev/loopx0 on a file on /scratch is the only swap;
#   - memhog.c in a cgroup v2 with memory.max 64 MiB sweeps over 192 MiB
#     (3x its limit), so its pages go to swap on loopx and come back, and
#     checks every page it gets back;
#   - fio --verify in another cgroup with memory.max 32 MiB writes 96 MiB
#     through the page cache of /dev/loopx1;
#   - long runs add a hog outside any cgroup that takes 128 MiB more than
#     is available, so the global reclaim swaps too (not so much more that
#     swap runs out: an OOM kill is a failure).
# Then swapoff must bring every page back and the devices detach.
# timeout: 900
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need fio mkswap swapon swapoff

rounds=$(pick 4 2)
hog_secs=$(pick 60 12)
CG=/sys/fs/cgroup
T="timeout 600"

# shellcheck disable=SC2317 # called by lib.sh's cleanup
CLEANUP() {
	swapoff "$(dev 0)" 2>/dev/null
	rmdir "$CG/lxhog" "$CG/lxio" 2>/dev/null
}

# cgroup v2: guest-init mounts none, and nothing else may be using it.
if [ ! -e "$CG/cgroup.controllers" ]; then
	mount -t cgroup2 none "$CG" || skip "cannot mount cgroup2"
fi
grep -qw memory "$CG/cgroup.controllers" || skip "no memory controller"
echo +memory >"$CG/cgroup.subtree_control" || fail "cannot enable memory controller"
grep -q . /proc/swaps && [ "$(wc -l </proc/swaps)" -gt 1 ] &&
	skip "another swap is active: $(tail -n +2 /proc/swaps)"

# mkcg NAME MAX: a child cgroup with memory.max (swap unlimited).
mkcg() {
	mkdir -p "$CG/$1"
	echo "$2" >"$CG/$1/memory.max"
	if [ -e "$CG/$1/memory.swap.max" ]; then
		echo max >"$CG/$1/memory.swap.max"
	fi
}

# "${INCG[@]}" CGDIR CMD...: run CMD in the cgroup CGDIR (a command, not
# a function, so that timeout can run it).
# shellcheck disable=SC2016 # $$ and $1 belong to the inner shell
INCG=(bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' incg)

pswpout() { awk '/^pswpout/ { print $2 }' /proc/vmstat; }

load_driver || fail "insmod"
mkcg lxhog 64M
mkcg lxio 32M
truncate -s 2G "$WORK/swap"
truncate -s 128M "$WORK/io"

for ((r = 1; r <= rounds; r++)); do
	flags=$(((r % 2) ? 16 : 0))
	crypt=()
	if [ $((r % 2)) = 0 ]; then
		crypt=(--encrypt-type 18 --crypt-name aes-xts-plain64
		       --key "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")
	fi
	out=$(bind_file "$(dev 0)" "$WORK/swap" $flags "${crypt[@]}") ||
		fail "round $r: configure swap device: $out"
	if [ ${#crypt[@]} -gt 0 ]; then
		enc=$(cat "$(sysof "$(dev 0)")/loop/encryption")
		[ "$enc" = aes-xts-plain64 ] ||
			fail "round $r: swap device encryption is '$enc'"
	fi
	mkswap -q "$(dev 0)" || fail "round $r: mkswap"
	swapon "$(dev 0)" || fail "round $r: swapon $(dev 0)"
	out=$(bind_file "$(dev 1)" "$WORK/io" 0) ||
		fail "round $r: configure io device: $out"
	before=$(pswpout)
	SECONDS_ROUND=$SECONDS

	$T "${INCG[@]}" "$CG/lxhog" "$ST/memhog" 192 "$hog_secs" >"$WORK/hog.out" 2>&1 &
	hog=$!
	PIDS+=("$hog")
	$T "${INCG[@]}" "$CG/lxio" fio --name=mp --filename="$(dev 1)" --size=96M \
		--rw=randwrite --bsrange=4k-64k --ioengine=psync --direct=0 \
		--verify=crc32c --verify_fatal=1 --randseed=$r \
		>"$WORK/fio.out" 2>&1 &
	fiop=$!
	PIDS+=("$fiop")
	ghog=''
	if [ "$LONG" = 1 ]; then
		mem=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
		$T "$ST/memhog" $((mem + 128)) "$hog_secs" >"$WORK/ghog.out" 2>&1 &
		ghog=$!
		PIDS+=("$ghog")
	fi

	rc=0
	wait "$hog" || rc=$?
	cat "$WORK/hog.out"
	case "$rc" in
	0) add_counts "$(grep '^memhog:' "$WORK/hog.out")" ;;
	124) bad "round $r: cgroup memhog did not finish in 600 s (deadlock?)" ;;
	137) bad "round $r: cgroup memhog was OOM-killed (swap on loopx not usable?)" ;;
	*) bad "round $r: cgroup memhog exit $rc" ;;
	esac
	rc=0
	wait "$fiop" || rc=$?
	if [ "$rc" = 124 ]; then
		bad "round $r: fio in a 32 MiB cgroup did not finish in 600 s"
	elif [ "$rc" != 0 ] || ! grep -q 'err= 0' "$WORK/fio.out"; then
		bad "round $r: fio in a 32 MiB cgroup failed (exit $rc)"
		grep -iE 'err|verify' "$WORK/fio.out" | head -n 5 >&2
	fi
	if [ -n "$ghog" ]; then
		rc=0
		wait "$ghog" || rc=$?
		cat "$WORK/ghog.out"
		case "$rc" in
		0) add_counts "$(grep '^memhog:' "$WORK/ghog.out")" ;;
		137) bad "round $r: global memhog OOM-killed with swap on loopx" ;;
		124) bad "round $r: global memhog did not finish (deadlock?)" ;;
		*) bad "round $r: global memhog exit $rc" ;;
		esac
	fi
	swapped=$(($(pswpout) - before))
	count swapped_pages "$swapped"
	count faults
	[ "$swapped" -gt 1000 ] ||
		bad "round $r: only $swapped pages went to swap: the pressure did not reach loopx"
	note "round $r: $swapped pages swapped out, $((SECONDS - SECONDS_ROUND)) s"

	$T swapoff "$(dev 0)" || bad "round $r: swapoff"
	out=$("$LXCTL" clr-fd "$(dev 0)") || bad "round $r: clr-fd swap device: $out"
	out=$("$LXCTL" clr-fd "$(dev 1)") || bad "round $r: clr-fd io device: $out"
	wait_unbound "$(dev 0)" 10 || bad "round $r: swap device still bound"
	count rounds
done
finish
