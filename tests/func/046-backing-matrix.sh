#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 1200
#
# The same checks on backing files of many kinds: a file on ext4, xfs,
# btrfs and vfat (the last three on a partition of the "lxblk" disk that
# tests/vm/run-in-vm.sh attaches), on tmpfs, on overlayfs over tmpfs and
# over ext4, on 9p (the writable build/vm/out share), on NFSv3 served by
# the guest's own nfsd over loopback, on FUSE (bindfs over a directory),
# a partition of a real disk, and a memfd passed by fd.  Each case, with
# the default module parameters:
#  1. attaches (the CLI; the memfd through lxctl configure --fd);
#  2. compares loop/dio with what O_DIRECT really does on that file (one
#     4 KiB "dd iflag=direct"): the native family must use direct I/O
#     exactly where it works and give a dio_reason where it does not; the
#     compat family stays buffered like stock loop, and LOOP_SET_DIRECT_IO
#     must turn direct I/O on exactly where it works and fail with EINVAL
#     (leaving a working, buffered device) elsewhere;
#  3. fio --verify on the raw device, 4 KiB random and 1 MiB sequential;
#  4. mkfs.ext4, files, umount, drop caches, mount again: same checksums;
#  5. discard zeroes its range where the queue offers it (and fails where
#     it does not), write-zeroes (blkdiscard -z) zeroes exactly its range;
#  6. the kernel log gains no "I/O error", "operation not supported",
#     WARNING or BUG line.
# A driver that trusts FMODE_CAN_ODIRECT where the file below cannot do
# O_DIRECT (overlayfs over tmpfs), that forwards write-zeroes as an
# fallocate mode the filesystem lacks (ZERO_RANGE on tmpfs: "operation not
# supported" errors), that loses or misplaces data on one kind of file, or
# that offers discard it cannot do, fails here.
#
# Each case prints one line, "case: <fs>: dio=D (<dio_reason>) ok", or a
# FAIL or SKIP line (run.sh shows these lines even when the test passes);
# dio= and the reason are those right after the attach, with the defaults.
# A case whose tool or module is missing is skipped with its reason, the
# others still run.  LOOPX_MATRIX_CASES="tmpfs memfd" runs only those; a
# lean run (run.sh --lean) runs the cases where compat mode differs most
# from native: the files that refuse O_DIRECT or hole punching.
# Not for the stock loop family (no direct I/O by default, errors on
# tmpfs: not what this checks) nor with --params (defaults only).
. "$(dirname "$0")/lib.sh"

is_family loop &&
	skip "stock loop: never direct I/O by default, 'operation not supported' on tmpfs; not what this checks"
[ -z "${LOOPX_PARAMS:-}" ] ||
	skip "checks the default module parameters, not '$LOOPX_PARAMS'"
need fio mkfs.ext4 e2fsck blkdiscard sfdisk

CASES=(ext4 xfs btrfs vfat tmpfs overlay-tmpfs overlay-ext4 9p nfs3
       bindfs blockdev memfd)
# Backing file, fio sizes: small, TCG is slow.
SIZE=$((64 << 20))
FIO_RAND=4M
FIO_SEQ=16M
NINEP=$REPO/build/vm/out

# Whatever a case could not tear down (it was killed): before lib.sh's
# cleanup, which removes $WORK.
# shellcheck disable=SC2317 # only reached through the EXIT trap
matrix_cleanup() {
	local rc=$? m
	set +e
	# Mounts of devices first, then the devices, then what held files.
	grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null
	done
	detach_all
	grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if [ -e "$WORK/nfsd.started" ]; then
		exportfs -ua
		rpc.nfsd 0
	fi
	[ ! -s "$WORK/9p.dir" ] || rm -rf "$(cat "$WORK/9p.dir")"
	(exit "$rc")
	cleanup
}
trap matrix_cleanup EXIT

# --- teardown of a case, or of a step -----------------------------------------

UNDO=()

# at_end CMD ARGS...: run CMD when the case (or step) ends, the last
# registered first.
at_end() {
	UNDO+=("$(printf '%q ' "$@")")
}

# run_undo [strict]: run what at_end registered.  strict: a failure fails
# the case (the rest still runs from the EXIT trap).
run_undo() {
	local c
	while [ ${#UNDO[@]} -gt 0 ]; do
		c=${UNDO[-1]}
		unset 'UNDO[-1]'
		if ! eval "$c"; then
			[ "${1:-}" != strict ] || fail "teardown: $c"
			note "teardown: $c failed"
		fi
	done
}

# shellcheck disable=SC2317 # run by run_undo
umount_if() {
	! mountpoint -q "$1" || umount "$1"
}

# shellcheck disable=SC2317 # run by run_undo
kill_wait() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# --- results of a case ----------------------------------------------------------

BAD=()

# bad MSG: a check failed; the case goes on with its other steps and fails
# at the end with every message.
bad() {
	echo "BAD: $*" >&2
	BAD+=("$*")
}

# step WHAT FUNC ARGS...: run one step in a subshell with its own
# teardown; a failure is recorded with bad and the case goes on.
step() {
	local what=$1 rc why start=$SECONDS
	shift
	set +e
	(
		set -e
		UNDO=()
		trap run_undo EXIT
		"$@"
	) 2>"$WORK/step.err"
	rc=$?
	set -e
	cat "$WORK/step.err" >&2
	note "$what: $((SECONDS - start))s"
	[ "$rc" = 0 ] && return 0
	why=$(sed -n 's/^FAIL: //p' "$WORK/step.err" | tail -n1)
	bad "$what: ${why:-exit status $rc}"
}

# --- the checks ---------------------------------------------------------------

# mkfile PATH: a sparse backing file of $SIZE.
mkfile() {
	truncate -s "$SIZE" "$1"
}

# odirect_works FILE: whether a 4 KiB O_DIRECT read of FILE works (no FILE,
# as for a memfd: no).
odirect_works() {
	local out
	[ -n "$1" ] || { echo 0; return 0; }
	if out=$(dd if="$1" of=/dev/null bs=4096 count=1 iflag=direct \
		    status=none 2>&1); then
		echo 1
	else
		note "dd iflag=direct on $1: $out"
		echo 0
	fi
}

# dio_state DEV: "dio=D (reason)", also kept for the case's line.
# shellcheck disable=SC2317 # called through step
dio_state() {
	local s
	s="dio=$(sysattr "$1" loop/dio) ($(sysattr "$1" loop/dio_reason))"
	echo "$s" >"$WORK/case.dio"
	echo "$s"
}

# 2, native: direct I/O exactly where O_DIRECT works, else a reason.
# shellcheck disable=SC2317 # called through step
check_dio() {
	local d=$1 ok=$2 dio reason
	note "O_DIRECT read works: $ok; $(dio_state "$d"), logical block" \
	     "$(sysattr "$d" queue/logical_block_size)"
	dio=$(sysattr "$d" loop/dio)
	reason=$(sysattr "$d" loop/dio_reason)
	eq "$dio" "$ok" "loop/dio (dio_reason '$reason') where an O_DIRECT read of the file gives $ok"
	[ "$dio" = 1 ] || [ -n "$reason" ] || fail "dio is 0 and dio_reason is empty"
}

# 2, compat: buffered by default, like stock loop.
# shellcheck disable=SC2317 # called through step
check_dio_compat() {
	note "O_DIRECT read works: $2; $(dio_state "$1")"
	eq "$(sysattr "$1" loop/dio)" 0 "compat loop/dio by default (dio_reason '$(sysattr "$1" loop/dio_reason)')"
}

# 2, compat: LOOP_SET_DIRECT_IO turns direct I/O on exactly where it
# works, else fails with EINVAL and the device goes on working.  Back to
# buffered after, so the I/O steps run with compat's default.
# shellcheck disable=SC2317 # called through step
check_set_dio() {
	local d=$1 ok=$2 out
	out=$("$LXCTL" set-dio "$d" 1 2>&1) || true
	note "compat: set-dio 1: $out"
	if [ "$ok" = 1 ]; then
		eq "$out" ok "set-dio 1 where an O_DIRECT read of the file works"
		eq "$(sysattr "$d" loop/dio)" 1 "loop/dio after set-dio 1"
	else
		eq "$out" EINVAL "set-dio 1 where an O_DIRECT read of the file fails"
		eq "$(sysattr "$d" loop/dio)" 0 "loop/dio after a refused set-dio 1"
		dd if="$d" of=/dev/null bs=4096 count=1 iflag=direct status=none ||
			fail "device unreadable after a refused set-dio 1"
	fi
	expect_errno ok lxctl set-dio "$d" 0
	eq "$(sysattr "$d" loop/dio)" 0 "loop/dio after set-dio 0"
	note "compat, for the I/O steps: dio=0 ($(sysattr "$d" loop/dio_reason))"
}

# 3: fio --verify on the raw device, two jobs one after the other: 4 KiB
# random writes, then 1 MiB sequential ones, each read back and checked.
# shellcheck disable=SC2317 # called through step
check_fio() {
	local out
	if ! out=$(fio --filename="$1" --ioengine=libaio --iodepth=16 \
			--direct=1 --verify=crc32c --verify_fatal=1 \
			--randrepeat=1 --randseed=46 \
			--name=rand4k --rw=randwrite --bs=4k --size="$FIO_RAND" \
			--name=seq1m --stonewall --rw=write --bs=1M \
			--size="$FIO_SEQ" 2>&1); then
		echo "$out" | tail -n 30 >&2
		fail "fio --verify on $1 failed"
	fi
	[ "$(echo "$out" | grep -c "err= 0")" = 2 ] || {
		echo "$out" | tail -n 30 >&2
		fail "fio --verify on $1 reported errors"
	}
}

# 4: an ext4 on the device keeps its files over umount and drop_caches.
# shellcheck disable=SC2317 # called through step
check_fs() {
	local d=$1 m=$WORK/fs.mnt i before out
	out=$(mkfs.ext4 -q -F "$d" 2>&1) || fail "mkfs.ext4 $d: $out"
	mkdir -p "$m"
	mount "$d" "$m" || fail "mount $d"
	at_end umount_if "$m"
	head -c 3M /dev/urandom >"$m/big"
	for i in 1 2 3; do
		head -c $((i * 51234)) /dev/urandom >"$m/f$i"
	done
	before=$(cd "$m" && sha256sum big f1 f2 f3)
	umount "$m" || fail "umount $d"
	out=$(e2fsck -fn "$d" 2>&1) || { echo "$out" >&2; fail "e2fsck -fn $d"; }
	drop_caches
	mount "$d" "$m" || fail "mount $d again"
	eq "$(cd "$m" && sha256sum big f1 f2 f3)" "$before" \
	   "checksums after umount, drop_caches, mount"
	umount "$m" || fail "umount $d"
}

# read_back DEV EXPECTED WHAT: the device starts with EXPECTED's bytes,
# read with O_DIRECT (no stale page cache of the device can hide what the
# driver returns).
# shellcheck disable=SC2317 # called through step
read_back() {
	local out
	dd if="$1" of="$WORK/back" bs=1M count=3 iflag=direct status=none
	out=$(cmp "$WORK/back" "$2" 2>&1) || fail "$3: $out"
}

# 5: 3 MiB of random data, then [1M, 2M) discarded or zeroed.
# shellcheck disable=SC2317 # called through step
check_discard() {
	local d=$1 pat=$WORK/pat hole=$WORK/hole max out
	head -c 3M /dev/urandom >"$pat"
	cp "$pat" "$hole"
	dd if=/dev/zero of="$hole" bs=1M seek=1 count=1 conv=notrunc status=none
	max=$(sysattr "$d" queue/discard_max_bytes)
	note "discard_max_bytes $max, write_zeroes_max_bytes" \
	     "$(sysattr "$d" queue/write_zeroes_max_bytes)"
	dd if="$pat" of="$d" bs=1M oflag=direct status=none
	if [ "$max" -gt 0 ]; then
		out=$(blkdiscard -o 1M -l 1M "$d" 2>&1) ||
			fail "blkdiscard with discard_max_bytes $max: $out"
		read_back "$d" "$hole" "after blkdiscard of [1M, 2M)"
	else
		if out=$(blkdiscard -o 1M -l 1M "$d" 2>&1); then
			fail "blkdiscard worked with discard_max_bytes 0"
		fi
		note "blkdiscard without discard: $out"
		read_back "$d" "$pat" "after a refused blkdiscard"
	fi
	dd if="$pat" of="$d" bs=1M oflag=direct status=none
	out=$(blkdiscard -z -o 1M -l 1M "$d" 2>&1) || fail "blkdiscard -z: $out"
	read_back "$d" "$hole" "after blkdiscard -z of [1M, 2M)"
}

# check_dev DEV FILE: steps 2 to 5 on an attached device.
check_dev() {
	local ok
	ok=$(odirect_works "$2")
	if is_family loopx; then
		step "dio" check_dio "$1" "$ok"
	else
		step "dio by default" check_dio_compat "$1" "$ok"
		step "set-dio" check_set_dio "$1" "$ok"
	fi
	step "fio" check_fio "$1"
	step "ext4 on the device" check_fs "$1"
	step "discard" check_discard "$1"
}

# matrix FILE: attach FILE with the CLI and check it.
matrix() {
	local d
	d=$(attach "$1")
	at_end "$LX" -d "$d"
	check_dev "$d" "$1"
}

# --- the cases ------------------------------------------------------------------

# need_mod MODULE: skip the case if the kernel lacks MODULE.
need_mod() {
	modprobe -q "$1" || skip "no $1 module in $(uname -r)"
}

mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o size=256M lx046 "$1" || fail "mount tmpfs on $1"
	at_end umount "$1"
}

# overlay DIR: overlayfs on DIR/merged, all its layers in DIR; the
# backing file is in the lower layer (copied up when the device opens it).
overlay() {
	local o=$1
	need_mod overlay
	mkdir -p "$o/lower" "$o/upper" "$o/work" "$o/merged"
	mkfile "$o/lower/img"
	mount -t overlay lx046 -o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work" \
		"$o/merged" || fail "mount overlayfs on $o"
	at_end umount "$o/merged"
	matrix "$o/merged/img"
}

# on_part FS MKFS...: FS made by MKFS on partition 2 of the lxblk disk.
on_part() {
	local fs=$1 p m=$WORK/$1.mnt out
	shift
	[ -n "$BLK" ] || skip "no disk with serial lxblk (tests/vm/run-in-vm.sh adds it)"
	need "$1"
	need_mod "$fs"
	p=${BLK}2
	out=$("$@" "$p" 2>&1) || fail "$* $p: $out"
	mkdir -p "$m"
	mount -t "$fs" "$p" "$m" || fail "mount -t $fs $p"
	at_end umount "$m"
	mkfile "$m/img"
	matrix "$m/img"
}

case_ext4() {
	mkfile "$WORK/ext4.img"
	matrix "$WORK/ext4.img"
}

case_xfs() {
	on_part xfs mkfs.xfs -q -f
}

case_btrfs() {
	on_part btrfs mkfs.btrfs -q -f
}

case_vfat() {
	on_part vfat mkfs.vfat
}

case_tmpfs() {
	mount_tmpfs "$WORK/tmpfs"
	mkfile "$WORK/tmpfs/img"
	matrix "$WORK/tmpfs/img"
}

case_overlay_tmpfs() {
	mount_tmpfs "$WORK/ovt"
	overlay "$WORK/ovt"
}

case_overlay_ext4() {
	overlay "$WORK/ove"
}

# A directory of its own on the host's writable share (several VMs may
# share it), named in $WORK for the test's cleanup.
case_9p() {
	local dir
	grep -q " $NINEP 9p " /proc/mounts ||
		skip "$NINEP is not the host's 9p share here"
	dir=$(mktemp -d "$NINEP/lxfunc-046.XXXXXX")
	echo "$dir" >"$WORK/9p.dir"
	at_end rm -rf "$dir"
	mkfile "$dir/img"
	matrix "$dir/img"
}

# NFSv3 over loopback from the guest's own nfsd, as in tests/stress/06.
case_nfs3() {
	local exp=$WORK/nfs.export m=$WORK/nfs c
	for c in rpc.nfsd rpc.mountd exportfs rpcbind mount.nfs ip; do
		need "$c"
	done
	need_mod nfsd
	ip link set lo up
	if ! mountpoint -q /proc/fs/nfsd; then
		mount -t nfsd nfsd /proc/fs/nfsd
		at_end umount /proc/fs/nfsd
	fi
	mkdir -p /run/rpcbind /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery \
		"$exp" "$m"
	rpcbind -f -w &
	at_end kill_wait $!
	sleep 1
	touch "$WORK/nfsd.started"
	exportfs -o rw,no_root_squash,insecure,no_subtree_check,fsid=46 \
		"127.0.0.1:$exp" || fail "exportfs"
	at_end exportfs -ua
	rpc.mountd -F &
	at_end kill_wait $!
	sleep 1
	rpc.nfsd 4 || fail "rpc.nfsd"
	at_end rpc.nfsd 0
	mount -t nfs -o vers=3,nolock,proto=tcp "127.0.0.1:$exp" "$m" ||
		fail "mount over NFS"
	at_end umount "$m"
	mkfile "$m/img"
	matrix "$m/img"
}

case_bindfs() {
	local src=$WORK/bindfs.src m=$WORK/bindfs
	need bindfs
	need_mod fuse
	mkdir -p "$src" "$m"
	bindfs "$src" "$m" || fail "bindfs $src $m"
	at_end umount "$m"
	mkfile "$m/img"
	matrix "$m/img"
}

case_blockdev() {
	[ -n "$BLK" ] || skip "no disk with serial lxblk (tests/vm/run-in-vm.sh adds it)"
	matrix "${BLK}1"
}

# A memfd has no path: python makes it and lets lxctl pass it by number.
case_memfd() {
	local d out
	need python3
	d=$(free_dev)
	out=$(python3 - "$LXCTL" "$d" "$SIZE" 2>&1 <<-'EOF'
	import os, subprocess, sys
	lxctl, dev, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
	fd = os.memfd_create("lx046")
	os.ftruncate(fd, size)
	r = subprocess.run([lxctl, "configure", dev, "--fd", str(fd)],
	                   pass_fds=[fd], capture_output=True, text=True)
	print((r.stdout + r.stderr).strip())
	EOF
	) || fail "python3 memfd: $out"
	[ "$out" = ok ] || fail "lxctl configure $d --fd MEMFD: $out"
	at_end "$LX" -d "$d"
	check_dev "$d" ""
}

# --- running them ---------------------------------------------------------------

# case_of NAME: run the case called NAME.
case_of() {
	case "$1" in
	ext4) case_ext4 ;;
	xfs) case_xfs ;;
	btrfs) case_btrfs ;;
	vfat) case_vfat ;;
	tmpfs) case_tmpfs ;;
	overlay-tmpfs) case_overlay_tmpfs ;;
	overlay-ext4) case_overlay_ext4 ;;
	9p) case_9p ;;
	nfs3) case_nfs3 ;;
	bindfs) case_bindfs ;;
	blockdev) case_blockdev ;;
	memfd) case_memfd ;;
	*) fail "no case '$1' (cases: ${CASES[*]})" ;;
	esac
}

# run_case NAME: run case_NAME in a subshell, print its line.
FAILED=()
run_case() {
	local name=$1 rc before kmsg b why="" dio=""
	rm -f "$WORK/case.dio"
	before=$(dmesg | wc -l)
	set +e
	(
		set -e
		trap run_undo EXIT
		case_of "$name"
		run_undo strict
		[ ${#BAD[@]} = 0 ] || fail "$(printf '%s\n' "${BAD[@]}" | paste -sd';' | sed 's/;/; /g')"
	) >"$WORK/case.log" 2>&1
	rc=$?
	set -e
	# The case's own lines, indented so run.sh does not take a case's
	# FAIL: line for the test's.
	sed "s/^/  [$name] /" "$WORK/case.log" >&2
	[ ! -e "$WORK/case.dio" ] || dio="$(cat "$WORK/case.dio") "
	kmsg=$(dmesg | tail -n +$((before + 1)) |
		grep -E 'I/O error|operation not supported|\<WARNING\>|\<BUG\>' || true)
	if [ -n "$kmsg" ]; then
		echo "$kmsg" | head -n 10 | sed "s/^/  [$name] kernel: /" >&2
		[ "$rc" = 4 ] || rc=1
	fi
	# Nothing may stay bound, whatever the case did.
	for b in /sys/block/"$PFX"[0-9]*; do
		[ -d "$b/loop" ] || continue
		why="${why:+$why; }${b##*/} stayed bound"
		rc=1
	done
	detach_all
	if [ "$rc" = 4 ]; then
		echo "case: $name: SKIP $(sed -n 's/^SKIP: //p' "$WORK/case.log" | tail -n1)"
		return 0
	fi
	if [ "$rc" = 0 ]; then
		echo "case: $name: ${dio}ok"
		return 0
	fi
	why="$(sed -n 's/^FAIL: //p' "$WORK/case.log" | tail -n1)${why:+; $why}"
	[ -z "$kmsg" ] || why="${why:+$why; }kernel log: $(echo "$kmsg" | head -n1)"
	echo "case: $name: ${dio}FAIL: ${why:-exit status $rc}"
	FAILED+=("$name")
}

# The lxblk disk: partition 1 for the block device case, 2 (the rest) for
# the filesystems that need a disk of their own.
BLK=""
for b in /sys/block/vd*; do
	if [ "$(cat "$b/serial" 2>/dev/null)" = lxblk ]; then
		BLK=/dev/${b##*/}
	fi
done
if [ -n "$BLK" ]; then
	printf 'label: dos\nsize=64MiB, type=83\ntype=83\n' | sfdisk -q "$BLK" >/dev/null ||
		fail "sfdisk $BLK"
	for p in 1 2; do
		[ -b "$BLK$p" ] || fail "no $BLK$p after sfdisk"
	done
fi

LEAN_CASES="tmpfs overlay-tmpfs vfat 9p memfd"
[ "${LOOPX_LEAN:-0}" = 1 ] && : "${LOOPX_MATRIX_CASES:=$LEAN_CASES}"
read -r -a cases <<<"${LOOPX_MATRIX_CASES:-${CASES[*]}}"
for c in "${cases[@]}"; do
	case " ${CASES[*]} " in
	*" $c "*) ;;
	*) fail "no case '$c' (cases: ${CASES[*]})" ;;
	esac
	run_case "$c"
done
[ ${#FAILED[@]} = 0 ] || fail "${#FAILED[@]} of ${#cases[@]} cases failed: ${FAILED[*]}"
pass
