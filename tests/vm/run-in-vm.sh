#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-in-vm.sh [--kernel VER] [--mem M] [--smp N] [--timeout S] [--log FILE]
#              [--scratch-size SIZE] [--disk FILE] [--allow-crash] -- CMD ARGS...
#
# Boot the distribution kernel in QEMU (TCG) with the host root shared
# read-only over virtio-9p under a tmpfs overlay, run CMD ARGS... as root in
# the repo directory, and power off.  The guest console goes to the terminal
# and to a log (build/vm/last.log always points at the latest one).
# See Documentation/testing-vm.md.
#
# --kernel VER (or KVER=VER in the environment) boots /boot/vmlinuz-VER
# instead of the newest 6.1; VER may also be a series such as 6.12, meaning
# its newest installed kernel (scripts/kver.sh).  The guest's initramfs is
# built from that kernel's modules, and the tests load the loopx.ko built
# for it (make KSERIES=6.12 or KVER=VER).
#
# Exit status: CMD's status; 3 if CMD succeeded but the kernel log shows a
# splat (see check-log.sh); 124 on timeout (qemu is killed); 125 if the guest
# died or its setup failed before reporting a status; 2 on usage errors.
#
# --disk FILE attaches FILE (raw, kept) as one more virtio disk with serial
# "lxdisk" (the guest finds it by /sys/block/vd*/serial), so data can outlive
# a boot.  --allow-crash: a guest that printed LOOPX-VM-CRASH-EXPECTED and
# then died without a status (e.g. "echo b >/proc/sysrq-trigger") counts as
# status 0 instead of 125; a timeout is still 124.
#
# Every run also gets a fresh, empty, sparse 512 MiB raw virtio disk with
# serial "lxblk" (thrown away afterwards), for tests that need a real block
# device of their own to partition and format (tests/func/046); guest-init
# leaves it alone.  The host punches holes for its discards (discard=unmap),
# so a discarded range reads back as zeros.
#
# All code is in functions called from the last line: bash then has the
# whole file parsed before qemu starts, so editing this script cannot derail
# runs in progress.
set -eu

usage() {
	sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Runner messages go to the terminal and the log, so a log alone tells the
# whole story.
say() {
	echo "vm: $*" | tee -a "$log"
}

# Kill qemu if we are interrupted: the pipeline runs in the background (so
# that signals reach us at all while it runs), and would outlive us.
# shellcheck disable=SC2317 # only reached through traps
cleanup() {
	local pid
	pid=$(cat "$run/qemu.pid" 2>/dev/null || true)
	if [ -n "$pid" ] &&
	   [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ]; then
		kill "$pid"
	fi
	wait || true
	rm -rf "$run"
}

main() {
	local repo mem=3G smp=2 timeout=3000 scratch_size=4G disk='' crash_ok=0
	local kernel=${KVER:-}
	local ver initrd start elapsed qemu_rc marker rc verdict
	local -a append qemu

	repo=$(cd "$(dirname "$0")/../.." && pwd)
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) kernel=${2:?}; shift 2 ;;
		--mem) mem=${2:?}; shift 2 ;;
		--smp) smp=${2:?}; shift 2 ;;
		--timeout) timeout=${2:?}; shift 2 ;;
		--log) log=${2:?}; shift 2 ;;
		--scratch-size) scratch_size=${2:?}; shift 2 ;;
		--disk) disk=${2:?}; shift 2 ;;
		--allow-crash) crash_ok=1; shift ;;
		--) shift; break ;;
		*) usage ;;
		esac
	done
	[ $# -gt 0 ] || usage

	# The repo path goes on the kernel command line, which splits on
	# blanks.
	case "$repo" in
	*[[:space:]]*)
		echo "run-in-vm: repo path must not contain blanks: $repo" >&2
		exit 2 ;;
	esac

	if [ -n "$kernel" ] && [ -f "/boot/vmlinuz-$kernel" ]; then
		ver=$kernel
	else
		ver=$("$repo/scripts/kver.sh" ${kernel:+"$kernel"})
	fi
	if [ ! -d "/lib/modules/$ver" ]; then
		echo "run-in-vm: no /lib/modules/$ver for /boot/vmlinuz-$ver" >&2
		exit 2
	fi
	initrd=$("$repo/tests/vm/mkinitramfs.sh" "$ver")

	# Everything the guest needs from us lives in the repo: it sees the
	# host only through the shared root (its /tmp is private).  Per-run
	# names, so several runs can share a tree.
	mkdir -p "$repo/build/vm/out" "$repo/build/vm/logs"
	run=$(mktemp -d "$repo/build/vm/run.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	if [ -z "$log" ]; then
		log=$repo/build/vm/logs/$(date +%Y%m%d-%H%M%S)-${run##*.}.log
		# Keep the newest 30 default logs.
		find "$repo/build/vm/logs" -name '*.log' -printf '%T@ %p\n' |
			sort -rn | tail -n +31 | cut -d' ' -f2- | xargs -r rm -f
	fi
	mkdir -p "$(dirname "$log")"
	: >"$log"
	log=$(cd "$(dirname "$log")" && pwd)/${log##*/}
	ln -sfn "$log" "$run/last.log"
	mv -T "$run/last.log" "$repo/build/vm/last.log"

	# The command, shell-quoted, for guest-init.sh to run with bash.
	printf '%q ' "$@" >"$run/cmd"
	echo >>"$run/cmd"

	# Fresh sparse scratch disk each run; the guest makes it ext4 on
	# /scratch.
	truncate -s "$scratch_size" "$run/scratch.img"
	# and an empty one for tests to partition as they like (lxblk)
	truncate -s 512M "$run/blk.img"

	append=(
		console=ttyS0
		# Warnings and worse reach the console (and the log scanner)
		# with timestamps; info-level boot chatter does not.
		loglevel=5 printk.time=1 edd=off
		slub_debug=FZPU panic_on_warn=0
		# A panic reboots, and -no-reboot turns that into qemu exiting.
		panic=-1
		# TCG's TSC is not trustworthy; skip the watchdog's complaints.
		tsc=reliable
		"lxvm.repo=$repo" lxvm.init=tests/vm/guest-init.sh
		"lxvm.cmd=${run#"$repo"/}/cmd" lxvm.outtag=hostout
	)
	qemu=(
		qemu-system-x86_64
		# KVM is unusable on this host (nested, hangs): TCG.
		-accel "tcg,thread=multi" -cpu max -smp "$smp" -m "$mem"
		# q35 and qboot: legacy PCI interrupt links on "pc" cost
		# seconds under TCG, and SeaBIOS is slower and noisier.
		-machine q35 -bios qboot.rom
		-nographic -vga none -nic none -no-reboot
		-pidfile "$run/qemu.pid"
		-kernel "/boot/vmlinuz-$ver" -initrd "$initrd"
		-append "${append[*]}"
		# multidevs=remap: the host root spans several filesystems,
		# keep their inode numbers apart in the guest.
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$repo/build/vm/out,mount_tag=hostout,security_model=none,multidevs=remap"
		# guest-init finds the scratch disk by its serial, so other
		# disks may come in any order.
		-drive "file=$run/scratch.img,if=none,id=scratch,format=raw,cache=unsafe"
		-device "virtio-blk-pci,drive=scratch,serial=lxscratch"
		-drive "file=$run/blk.img,if=none,id=lxblk,format=raw,cache=unsafe,discard=unmap"
		-device "virtio-blk-pci,drive=lxblk,serial=lxblk"
	)
	if [ -n "$disk" ]; then
		# Kept between boots (--disk).  Writeback: the guest's
		# flushes reach the host file, as on real disks.
		qemu+=(-drive "file=$disk,if=none,id=lxdisk,format=raw,cache=writeback"
		       -device "virtio-blk-pci,drive=lxdisk,serial=lxdisk")
	fi

	say "kernel $ver, log $log"
	start=$(date +%s)
	# The console's CRs are stripped so the log is plain text.
	{
		rc=0
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 || rc=$?
		echo "$rc" >"$run/qemu.rc"
	} | sed -u 's/\r$//' | tee -a "$log" &
	wait $!
	elapsed=$(($(date +%s) - start))
	qemu_rc=$(cat "$run/qemu.rc" 2>/dev/null || echo 255)

	# guest-init prints the marker on a line of its own, after the command.
	marker=$(grep -aE '^LOOPX-VM-EXIT=[0-9]+$' "$log" | tail -n1 || true)
	if [ "$qemu_rc" -eq 124 ] ||
	   { [ "$qemu_rc" -eq 137 ] && [ "$elapsed" -ge "$timeout" ]; }; then
		say "timed out after ${timeout}s, qemu killed"
		rc=124
	elif [ -z "$marker" ] && [ "$crash_ok" = 1 ] &&
	     grep -aq 'LOOPX-VM-CRASH-EXPECTED' "$log"; then
		say "guest crashed on purpose"
		rc=0
	elif [ -z "$marker" ]; then
		say "guest died without reporting a status (qemu exit $qemu_rc)"
		rc=125
	else
		rc=${marker#*=}
	fi

	say "ran ${elapsed}s"
	# Only the summary goes into the log: the offending lines are there
	# already, and a second scan of the log must not count them twice.
	verdict=$("$repo/tests/vm/check-log.sh" "$log") ||
		{ [ "$rc" -ne 0 ] || rc=3; }
	echo "$verdict"
	echo "$verdict" | tail -n1 >>"$log"
	say "exit status $rc"
	return "$rc"
}

run='' log=''
main "$@"
exit
