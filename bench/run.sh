#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/run.sh OUTDIR: the guest half of "make bench" (bench/bench.sh boots
# the VM and runs this in it).  Writes raw results into OUTDIR, which must
# be on the host share (build/vm/out/...): the guest's own files are lost at
# power-off.  bench/report.py turns OUTDIR into the table.
#
# Knobs (environment, passed into the guest by bench.sh):
#   BENCH_RUNTIME  seconds measured per fio run (10)
#   BENCH_RAMP     seconds of warm-up before measuring (2)
#   BENCH_CYCLES   attach+detach cycles per round, ioctl loop (200)
#   BENCH_CLI_CYCLES  the same with losetup / cli/loopx processes (30)
#   BENCH_ROUNDS   rounds of the attach+detach measurements (3)
#   BENCH_JOBS     only the jobs whose name matches this regex (all)
#   BENCH_TARGETS  only the targets whose name matches this regex (all)
#   BENCH_MEM_DEVICES  devices created for the memory rows (200)
#   BENCH_MEMORY_ONLY  1: the memory rows alone (bench.sh's second boot)
#   BENCH_CGROUP   fio runs in this child of the root cgroup, which has the
#                  io controller and no limit: how a systemd service or a
#                  container submits (empty: the root cgroup)
set -eu
shopt -s inherit_errexit

RUNTIME=${BENCH_RUNTIME:-10}
RAMP=${BENCH_RAMP:-2}
CYCLES=${BENCH_CYCLES:-200}
CLI_CYCLES=${BENCH_CLI_CYCLES:-30}
ROUNDS=${BENCH_ROUNDS:-3}
JOBS_RE=${BENCH_JOBS:-.}
TARGETS_RE=${BENCH_TARGETS:-.}
MEM_N=${BENCH_MEM_DEVICES:-200}
CGROUP=${BENCH_CGROUP:+/sys/fs/cgroup/$BENCH_CGROUP}
# far above the benchmark's own devices, for both drivers
MEM_FIRST=100
MEMDEV=build/bench/mem-devices

# ext4 on a ramdisk: the backing store costs next to nothing, so what is
# measured is the file and block layers plus the driver.  1.5 GiB holds the
# 1 GiB file, ext4's metadata and journal.
RD_KIB=$((3 << 19))
MNT=/mnt/bench
FILE=$MNT/file
CYCLER=build/bench/attach-cycle

# name, fio rw, block size, iodepth, numjobs, direct.  The buffered job
# (direct 0) reads the file once from a cold cache; see run_fio.
JOBS='
randread-4k-qd1-j1   randread  4k 1  1 1
randread-4k-qd1-j2   randread  4k 1  2 1
randread-4k-qd32-j1  randread  4k 32 1 1
randread-4k-qd32-j2  randread  4k 32 2 1
randwrite-4k-qd1-j1  randwrite 4k 1  1 1
randwrite-4k-qd1-j2  randwrite 4k 1  2 1
randwrite-4k-qd32-j1 randwrite 4k 32 1 1
randwrite-4k-qd32-j2 randwrite 4k 32 2 1
seqread-1m-qd8       read      1m 8  1 1
seqwrite-1m-qd8      write     1m 8  1 1
bufread-1m           read      1m 1  1 0
'

# Target name -> what fio opens.
declare -A TGT
# nullb is null_blk completing in the submitter's context: the cost of one
# block-layer pass with no device behind it, the floor any loop driver
# stacks on top of the raw file (direct jobs only: it has no file).
# loop-dmcrypt is dm-crypt (aes-xts-plain64, a 64-byte keyring key) on a
# stock loop device with direct I/O; loopx-xts is loopx encrypting the same
# way on its own: the one layer that replaces two.
TARGETS=(raw nullb loop-dio loop-buf loopx-dio loopx-buf loop-dmcrypt loopx-xts)
mapfile -t TARGETS < <(printf '%s\n' "${TARGETS[@]}" | grep -E "^($TARGETS_RE)\$")
BENCH_KEY=loopx:bench

# Progress goes to stderr: stdout of some steps is data.
log() { echo "bench: $*" >&2; }

die() {
	echo "bench: $*" >&2
	exit 1
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

setup_file() {
	modprobe brd rd_nr=1 rd_size="$RD_KIB"
	# Inode tables and journal zeroed now, not by ext4lazyinit in the
	# background of the first runs.
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/ram0
	mkdir -p "$MNT"
	mount /dev/ram0 "$MNT"
	# fio's write buffers are random data; every block is written, so
	# the file has no holes and no unwritten extents.
	fio --name=fill --filename="$FILE" --size=1G --rw=write --bs=1M \
		--ioengine=libaio --iodepth=8 --direct=1 --end_fsync=1 \
		--output=/dev/null --eta=never
	local blocks
	blocks=$(stat -c %b "$FILE")
	[ $((blocks * 512)) -ge $((1 << 30)) ] ||
		die "$FILE is sparse ($blocks blocks)"
}

# attach_all: one device per driver and DIO mode, all on $FILE.
attach_all() {
	modprobe loop
	insmod kernel/loopx.ko
	TGT[raw]=$FILE
	modprobe null_blk nr_devices=1 queue_mode=2 irqmode=0 gb=1 \
		submit_queues="$(nproc)"
	TGT[nullb]=/dev/nullb0
	TGT[loop-dio]=$(losetup -f --show --direct-io=on "$FILE")
	TGT[loop-buf]=$(losetup -f --show --direct-io=off "$FILE")
	TGT[loopx-dio]=$(cli/loopx -f --show --direct-io=on "$FILE")
	TGT[loopx-buf]=$(cli/loopx -f --show --direct-io=off "$FILE")
	attach_crypt
}

# attach_crypt: the encrypted pair, with one 64-byte key in the keyring.
attach_crypt() {
	local key below
	key=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
	tests/helpers/lxctl add-logon-key "$BENCH_KEY" "$key" >&2
	modprobe dm-crypt
	below=$(losetup -f --show --direct-io=on "$FILE")
	TGT[loop-below]=$below
	echo "0 $(($(stat -c %s "$FILE") / 512)) crypt aes-xts-plain64 :64:logon:$BENCH_KEY 0 $below 0" |
		dmsetup create --noudevsync lxbench
	dmsetup mknodes lxbench
	TGT[loop-dmcrypt]=/dev/mapper/lxbench
	TGT[loopx-xts]=$(cli/loopx -f --show --direct-io=on -e aes-xts-plain64 \
			 --key-desc "$BENCH_KEY" "$FILE")
}

# What each target really is, for report.py: a loop device whose DIO
# silently fell back to buffered would be compared with the wrong thing.
describe_targets() {
	local t d sys
	for t in "${TARGETS[@]}"; do
		d=${TGT[$t]}
		echo "target.$t.path=$d"
		[ -b "$d" ] || continue
		sys=/sys/block/${d##*/}
		[ -d "$sys/loop" ] || continue
		echo "target.$t.dio=$(cat "$sys/loop/dio")"
		echo "target.$t.lbs=$(cat "$sys/queue/logical_block_size")"
		if [ -r "$sys/loop/dio_reason" ]; then
			echo "target.$t.dio_reason=$(cat "$sys/loop/dio_reason")"
		fi
	done
}

write_meta() {
	{
		echo "guest.kernel=$(uname -r)"
		echo "guest.mem_kib=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
		echo "guest.nproc=$(nproc)"
		echo "fio=$(fio --version)"
		echo "runtime=$RUNTIME"
		echo "ramp=$RAMP"
		echo "file.bytes=$(stat -c %s "$FILE")"
		echo "cgroup=${BENCH_CGROUP:-/}"
		echo "loopx.version=$(cat /sys/module/loopx/version 2>/dev/null || cat VERSION)"
		describe_targets
	} >"$OUT/meta.env"
}

# "TOTAL IDLE" jiffies of all CPUs; iowait counts as idle.
cpu_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t, $5 + $6; exit }' /proc/stat
}

# setup_cgroup: $CGROUP made, if there is one
setup_cgroup() {
	[ -n "$CGROUP" ] || return 0
	grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup
	echo +io >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$CGROUP"
}

# in_cgroup CMD...: CMD run as a member of $CGROUP, if there is one
in_cgroup() {
	if [ -n "$CGROUP" ]; then
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CGROUP" "$@"
	else
		"$@"
	fi
}

# run_fio JOB RW BS QD NJ DIRECT TARGET
run_fio() {
	local job=$1 rw=$2 bs=$3 qd=$4 nj=$5 direct=$6 t=$7
	local -a args=(
		--name="$job" --filename="${TGT[$t]}" --rw="$rw" --bs="$bs"
		--iodepth="$qd" --numjobs="$nj" --direct="$direct"
		--group_reporting --output-format=json --eta=never
		--output="$OUT/fio/$job@$t.json"
	)
	if [ "$direct" = 1 ]; then
		# Random offsets without fio's block map (cheaper, and
		# revisiting blocks is fine), different each run.
		args+=(--ioengine=libaio --time_based --runtime="$RUNTIME"
		       --ramp_time="$RAMP" --norandommap --randrepeat=0)
	else
		# One cold pass over the file (caches were just dropped);
		# time-based runs would wrap and read the page cache.  The
		# runtime only caps a slow pass, whose reads are cold still.
		# libaio is synchronous on the page cache: psync says so.
		args+=(--ioengine=psync --size=1G --runtime="$RUNTIME")
	fi
	drop_caches
	local before after
	before=$(cpu_ticks)
	in_cgroup fio "${args[@]}"
	after=$(cpu_ticks)
	# how busy the guest's CPUs were, all of them, ramp included
	echo "$before $after" | awk '{ t = $3 - $1; i = $4 - $2;
		printf "%.1f\n", (t > 0 ? 100 * (t - i) / t : 0) }' \
		>"$OUT/fio/$job@$t.cpu"
}

run_jobs() {
	local job rw bs qd nj direct n=0 total i t rot=0
	local -a jobs
	mapfile -t jobs < <(echo "$JOBS" | awk 'NF == 6' | grep -E "^($JOBS_RE)")
	total=0
	for line in "${jobs[@]}"; do
		read -r job rw bs qd nj direct <<<"$line"
		total=$((total + ${#TARGETS[@]} - (direct == 0)))
	done
	mkdir -p "$OUT/fio"
	# Job by job, all targets back to back, so that the runs a ratio
	# compares are minutes apart at most; the first target rotates so
	# that none is always first after a job change.
	for line in "${jobs[@]}"; do
		read -r job rw bs qd nj direct <<<"$line"
		for ((i = 0; i < ${#TARGETS[@]}; i++)); do
			t=${TARGETS[(i + rot) % ${#TARGETS[@]}]}
			[ "$t" = nullb ] && [ "$direct" = 0 ] && continue
			n=$((n + 1))
			log "[$n/$total] $job on $t"
			run_fio "$job" "$rw" "$bs" "$qd" "$nj" "$direct" "$t"
			# The run order, for the report's row order.
			echo "$job $t" >>"$OUT/runs.txt"
		done
		rot=$((rot + 1))
	done
}

detach_all() {
	local t
	for t in loop-dio loop-buf; do
		losetup -d "${TGT[$t]}"
	done
	for t in loopx-dio loopx-buf loopx-xts; do
		cli/loopx -d "${TGT[$t]}"
	done
	dmsetup remove --retry lxbench
	losetup -d "${TGT[loop-below]}"
}

# cli_cycles TOOL N: N times "TOOL -f --show FILE; TOOL -d DEV"; prints
# "N SECONDS".
cli_cycles() {
	local tool=$1 n=$2 i d t0
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do
		d=$("$tool" -f --show "$FILE")
		"$tool" -d "$d"
	done
	echo "$n $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')"
}

# Rounds alternate the drivers, so background load hits both alike;
# report.py keeps each one's best round.
run_cycles() {
	local r
	for ((r = 1; r <= ROUNDS; r++)); do
		log "attach+detach round $r/$ROUNDS"
		echo "ioctl loop $r $("$CYCLER" /dev/loop-control /dev/loop "$FILE" "$CYCLES")"
		echo "ioctl loopx $r $("$CYCLER" /dev/loopx-control /dev/loopx "$FILE" "$CYCLES")"
		echo "cli loop $r $(cli_cycles losetup "$CLI_CYCLES")"
		echo "cli loopx $r $(cli_cycles cli/loopx "$CLI_CYCLES")"
	done >"$OUT/attach.txt"
}

# shellcheck source=../tests/lib/meminfo.sh
. "$(dirname "$0")/../tests/lib/meminfo.sh"

# memory_round NAME CONTROL DEVPREFIX FILE: MEM_N devices created, bound
# read-only to FILE, unbound, removed; prints "NAME CPUS N UNBOUND BOUND",
# the memory the N devices took, in KiB, unbound and bound.
memory_round() {
	local m0 m1 m2
	m0=$(used_kib)
	"$MEMDEV" add "$2" "$MEM_FIRST" "$MEM_N"
	m1=$(used_kib)
	"$MEMDEV" bind "$3" "$MEM_FIRST" "$MEM_N" "$4"
	m2=$(used_kib)
	"$MEMDEV" unbind "$3" "$MEM_FIRST" "$MEM_N"
	"$MEMDEV" remove "$2" "$MEM_FIRST" "$MEM_N"
	echo "$1 $(nproc) $MEM_N $((m1 - m0)) $((m2 - m0))"
}

# Rounds alternate the drivers, as for attach+detach; report.py keeps
# each one's smallest round (noise only ever adds).
run_memory() {
	local r file=/tmp/lxbench-mem
	truncate -s 1M "$file"
	for ((r = 1; r <= ROUNDS; r++)); do
		log "memory round $r/$ROUNDS ($MEM_N devices, $(nproc) CPUs)"
		memory_round loop /dev/loop-control /dev/loop "$file"
		memory_round loopx /dev/loopx-control /dev/loopx "$file"
	done >>"$OUT/memory.txt"
}

main() {
	OUT=${1:?usage: bench/run.sh OUTDIR}
	# It loads brd and loop and formats /dev/ram0: never on a real host.
	[ "${LOOPX_VM:-}" = 1 ] || die "runs only in the test VM (bench/bench.sh)"
	[ -x "$CYCLER" ] || die "$CYCLER missing (bench/bench.sh builds it)"
	[ -x "$MEMDEV" ] || die "$MEMDEV missing (bench/bench.sh builds it)"
	if [ ! -f kernel/loopx.ko ] || [ ! -x cli/loopx ] ||
	   [ ! -x tests/helpers/lxctl ]; then
		die "run make all first"
	fi
	mkdir -p "$OUT"
	if [ "${BENCH_MEMORY_ONLY:-0}" = 1 ]; then
		modprobe loop
		insmod kernel/loopx.ko
		run_memory
		log "done"
		return
	fi

	log "setting up a 1 GiB file on ext4 on brd"
	setup_file
	setup_cgroup
	attach_all
	write_meta
	cat "$OUT/meta.env"
	run_jobs
	detach_all
	run_cycles
	run_memory
	log "done"
}

# One line: bash has read all of it before main runs, so editing this file
# during a run cannot make bash read a half-old line after main returns.
main "$@"; exit
