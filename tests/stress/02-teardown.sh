#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 02 teardown: detach, LOOP_CTL_REMOVE and rmmod while fio --verify has the
# device open (100 rounds long, 10 short).  While fio runs:
#   - LOOPX_IOC_DETACH without WAIT answers EBUSY and counts fio as opener;
#   - LOOP_CTL_REMOVE answers EBUSY; rmmod is refused, the module stays;
#   - odd rounds: LOOP_CLR_FD returns 0 but only sets autoclear (deferred);
#     even rounds: LOOPX_IOC_DETACH with WAIT blocks until fio closes, and a
#     second one, interrupted by a signal, answers EINTR.
# fio must finish clean; at the last close (a holder opened before fio and
# closed after it, because fio itself closes and reopens between its write
# and verify passes) the device is unbound, what fio wrote is in the
# backing file, and REMOVE and rmmod succeed.  Rounds vary buffered or
# direct fio, direct I/O on the backing file, whole disk or partition.
# timeout: 900
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need fio sfdisk

rounds=$(pick 100 10)
size=16M

img=$WORK/img
truncate -s 48M "$img"
# p1 of 40 MiB for the partition rounds; the whole-disk rounds write over
# the table, so each round starts from a fresh copy of it.
printf 'label: gpt\nsize=40MiB\n' | sfdisk -q "$img" >/dev/null || fail "sfdisk"
p1_start=$(sfdisk -d "$img" | sed -n 's/.*1 : start= *\([0-9]*\),.*/\1/p')
[ -n "$p1_start" ] || fail "no p1 in the image"
head -c 1M "$img" >"$WORK/table"

# fio_args DEV DIRECT: one verify job, identical for writing and checking
# (the run adds --loops, for a job long enough to be caught in the act).
fio_args() {
	echo --name=td --filename="$1" --size=$size --rw=randwrite \
		--bsrange=4k-64k --ioengine=libaio --iodepth=16 --direct="$2" \
		--verify=crc32c --verify_fatal=1 --randrepeat=1 \
		--randseed=$((4242 + r))
}

# expect WHAT WANT CMD...: run CMD, compare the first word of its output
# (a mismatch is counted, the round goes on).
expect() {
	local what=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1) || true
	count calls
	[ "${out%% *}" = "$want" ] || bad "round $r: $what: expected $want, got '$out'"
}

fio_running() { kill -0 "$fio_pid" 2>/dev/null; }

# opened DEV: how many fds of other processes have DEV open.
opened() { "$STIO" opened "$1" || true; }

load_driver || fail "insmod"
for ((r = 1; r <= rounds; r++)); do
	direct=$((r % 2))
	dio=$(((r / 2) % 2))
	onpart=$(((r / 4) % 2))
	dd if="$WORK/table" of="$img" conv=notrunc status=none

	flags=0
	[ "$dio" = 1 ] && flags=$((flags | 16))
	[ "$onpart" = 1 ] && flags=$((flags | 8))
	idx=$("$LXCTL" ctl-get-free) || fail "ctl-get-free: $idx"
	idx=${idx#ok }
	d=$(dev "$idx")
	out=$(bind_file "$d" "$img" $flags) ||
		fail "round $r: configure $d: $out"
	target=$d
	[ "$onpart" = 1 ] && target=${d}p1
	[ -b "$target" ] || fail "round $r: $target missing after configure"

	# fio closes and reopens its file between the write and the verify
	# pass; a detach in that gap would be right and would pull the
	# device from under the verify pass.  A holder keeps the device
	# open from before fio starts until after it ends, like the shell
	# that runs a job.
	"$LXCTL" hold "$target" 3600 >"$WORK/hold.out" 2>&1 &
	holder=$!
	PIDS+=("$holder")
	for ((i = 0; i < 100; i++)); do
		[ "$(opened "$target")" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(opened "$target")" -ge 1 ] || fail "round $r: holder did not open $target"

	# shellcheck disable=SC2046 # fio_args is a word list
	fio $(fio_args "$target" "$direct") --loops=4 >"$WORK/fio.out" 2>&1 &
	fio_pid=$!
	PIDS+=("$fio_pid")
	for ((i = 0; i < 300; i++)); do
		[ "$(opened "$target")" -ge 2 ] && break
		fio_running || break
		sleep 0.1
	done
	if [ "$(opened "$target")" -lt 2 ] && fio_running; then
		cat "$WORK/fio.out" >&2
		# where fio waits, for the next one to read this
		for p in $(pgrep -x fio); do
			echo "# fio $p $(cat "/proc/$p/wchan" 2>/dev/null):" >&2
			sed 's/^/#   /' "/proc/$p/stack" >&2 2>/dev/null || true
		done
		fail "round $r: fio never opened $target"
	fi
	# A machine fast enough to finish fio before we looked is no
	# failure, but the round then tests nothing during fio.
	fio_running || { note "round $r: fio ended before it was seen"; count too_quick; }
	if fio_running; then
		expect "strict detach during fio" EBUSY "$STIO" detach "$d"
		count faults
	fi
	waiter=''
	if [ $((r % 2)) = 0 ] && fio_running; then
		"$STIO" detach "$d" --wait >"$WORK/waiter.out" 2>&1 &
		waiter=$!
		PIDS+=("$waiter")
	fi

	# Hammer the device with the refused operations, in random order,
	# until fio ends; each must be refused the same way every time.
	cleared=0 intr=0
	while fio_running; do
		case $((RANDOM % 4)) in
		0) out=$("$STIO" detach "$d" 2>&1) || true
		   count calls
		   case "$out" in
		   "EBUSY openers="[1-9]*) ;;
		   *) ! fio_running || bad "round $r: strict detach during fio: $out" ;;
		   esac ;;
		1) fio_running || break
		   out=$("$LXCTL" ctl-remove "$idx" 2>&1) || true
		   count calls
		   [ "$out" = EBUSY ] || bad "round $r: ctl-remove during fio: $out"
		   ;;
		2) if rmmod loopx 2>/dev/null; then
			bad "round $r: rmmod succeeded during fio"
			break
		   fi
		   count calls
		   driver_loaded || { bad "round $r: module gone during fio"; break; } ;;
		3) if [ $((r % 2)) = 1 ]; then
			expect "LOOP_CLR_FD during fio" ok "$LXCTL" clr-fd "$d"
			cleared=1
			bound "$d" ||
				bad "round $r: CLR_FD unbound a device fio has open"
		   elif [ "$intr" -lt 3 ]; then
			# fio may end within the 200 ms: then ENXIO is right
			out=$("$STIO" detach "$d" --wait --signal-after 200 2>&1) || true
			count calls
			case "$out" in
			EINTR) intr=$((intr + 1)) ;;
			ENXIO|ok*) ! fio_running || bad "round $r: interrupted detach wait: $out" ;;
			*) bad "round $r: interrupted detach wait: $out" ;;
			esac
		   fi ;;
		esac
		sleep 0.$((RANDOM % 3))
	done
	rc=0
	wait "$fio_pid" || rc=$?
	if [ "$rc" != 0 ] || ! grep -q 'err= 0' "$WORK/fio.out"; then
		bad "round $r: fio failed (exit $rc, direct=$direct dio=$dio part=$onpart)"
		sed 's/^/    /' "$WORK/fio.out" | grep -iE 'err|verify|bad' | head -n 10 >&2
	fi
	count rounds
	# fio is done: the holder's close is the last one
	sleep 0.2
	bound "$d" || bad "round $r: unbound before the last close"
	kill "$holder"
	wait "$holder" 2>/dev/null || true

	if [ -n "$waiter" ]; then
		wait "$waiter" || true
		out=$(cat "$WORK/waiter.out")
		count calls
		[ "${out%% *}" = ok ] || bad "round $r: LOOPX_DETACH_WAIT after fio: $out"
		# it returned: everything must already be gone
		! bound "$d" || bad "round $r: bound after LOOPX_DETACH_WAIT returned"
		! [ -e "${d}p1" ] || bad "round $r: ${d}p1 left after LOOPX_DETACH_WAIT"
	elif [ "$cleared" = 1 ]; then
		# autoclear ran in the last close
		wait_unbound "$d" 5 || bad "round $r: still bound after fio closed (autoclear)"
	else
		# fio was too quick for the deferred detach; do it now
		"$LXCTL" clr-fd "$d" >/dev/null
	fi
	wait_unbound "$d" 5 || bad "round $r: $d never unbound"

	# What fio wrote must be in the file now that the detach returned.
	# fio's headers carry offsets, so the partition is checked as a copy.
	vimg=$img
	if [ "$onpart" = 1 ]; then
		vimg=$WORK/p1.copy
		dd if="$img" of="$vimg" bs=512 skip="$p1_start" count=$((32 << 11)) \
			status=none
	fi
	# shellcheck disable=SC2046
	if ! fio $(fio_args "$vimg" 1) --verify_only >"$WORK/vfy.out" 2>&1; then
		bad "round $r: backing file does not hold fio's data"
		grep -iE 'verify|bad' "$WORK/vfy.out" | head -n 5 >&2
	fi

	expect "ctl-remove after fio" ok "$LXCTL" ctl-remove "$idx"
	! [ -e "$d" ] || bad "round $r: $d exists after LOOP_CTL_REMOVE"
	if ! rmmod loopx; then
		bad "round $r: rmmod after fio failed"
		lsmod | grep loopx >&2 || true
	fi
	count calls
	load_driver || fail "round $r: insmod"
done
finish
