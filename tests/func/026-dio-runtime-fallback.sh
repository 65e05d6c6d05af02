#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A backing file whose direct I/O starts failing after the bind: the
# request that meets the refusal is redone buffered, so the caller gets
# its data and no error, and the device switches itself to buffered I/O
# (loop/dio 0, loop/dio_reason says it failed at run time, lo_flags loses
# LO_FLAGS_DIRECT_IO) with exactly one "switched to buffered I/O" line in
# the kernel log and no "I/O error" line.
#
# The file is an image in the lower layer (a directory on the ext4
# scratch disk) of an overlayfs whose upper and work dirs are on tmpfs.
# Bound read-only through the overlay path, direct reads go to the ext4
# file and work (the bind-time probe passes: loop/dio 1).  Opening the
# file for writing through the overlay then copies it up to tmpfs without
# changing a byte.  On 6.1, ovl_read_iter() finds the copy-up for the
# loop's existing file (ovl_real_fdget_meta() reopens the upper file) and
# answers IOCB_DIRECT with EINVAL, since the tmpfs file lacks
# FMODE_CAN_ODIRECT; a buffered read of the same file works.  The test
# skips if a direct open of the overlay path still works after the
# copy-up, i.e. the kernel gives no way to make direct I/O fail this way.
#
# Fails if the driver passes the EINVAL on as an I/O error (dd fails, a
# "blk_update_request: I/O error" line), if it returns wrong data, if it
# keeps direct I/O on after the refusal or does not say why, or if it logs
# the switch once per failed request instead of once.
#
# loopx only: stock loop 6.1 has no run-time fallback, the same read
# fails there with an I/O error.
. "$(dirname "$0")/lib.sh"
is_family loop &&
	skip "stock loop has no run-time fallback: the read fails with EIO there"

grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip "no overlayfs in this kernel"

lower=$WORK/lower
mkdir "$lower"
img=$(mkrand 8 lower/img)
want=$(sha "$img")
mnt none "$WORK/up" -t tmpfs -o size=64m
mkdir "$WORK/up/upper" "$WORK/up/work"
mnt overlay "$WORK/ovl" -t overlay \
	-o "lowerdir=$lower,upperdir=$WORK/up/upper,workdir=$WORK/up/work"
o=$WORK/ovl/img

dd if="$o" of=/dev/null bs=1M count=1 iflag=direct status=none ||
	skip "no direct read through overlayfs from ext4 here"

# Direct I/O asked for explicitly: compat binds buffered by default.
# (An explicit request wins over the module parameter direct_io=0 too.)
d=$(attach -r --direct-io=on "$o")
eq "$(sysattr "$d" loop/dio)" 1 "dio at bind (overlay over ext4)"
# LO_FLAGS_READ_ONLY | LO_FLAGS_DIRECT_IO
eq "$(field "$(status64 "$d")" lo_flags)" 17 "lo_flags at bind"
eq "$(sha_direct "$d")" "$want" "data before the copy-up"
eq "$(sysattr "$d" loop/dio)" 1 "dio after a read before the copy-up"

# Copy-up: open for writing through the overlay, append nothing.
: >>"$o"
[ -f "$WORK/up/upper/img" ] || fail "setup: no copy-up to $WORK/up/upper"
if dd if="$o" of=/dev/null bs=1M count=1 iflag=direct status=none 2>/dev/null; then
	skip "the copied-up overlay file still takes direct reads: nothing fails"
fi
eq "$(sha "$o")" "$want" "setup: the copy-up changed the file"

# Each line of the kernel log from here on is this test's.
n0=$(dmesg | wc -l)
# O_DIRECT on the device, so that its page cache cannot serve the read
# and every block goes to the backing file.  Not through sha_direct: the
# pipe would hide dd's exit status.
out=$WORK/out
dd if="$d" of="$out" bs=1M iflag=direct status=none ||
	fail "direct read of $d after the copy-up failed: the refusal reached the caller"
eq "$(sha "$out")" "$want" "data read while direct I/O fails"

# The switch is done by a work item after the failed request; give it a
# moment.
for ((i = 0; i < 50; i++)); do
	[ "$(sysattr "$d" loop/dio)" = 0 ] && break
	sleep 0.1
done
eq "$(sysattr "$d" loop/dio)" 0 "dio after the run-time refusal"
reason=$(sysattr "$d" loop/dio_reason)
note "dio_reason: $reason"
[[ "${reason,,}" =~ run[\ -]?time ]] ||
	fail "dio_reason does not mention run time: '$reason'"
# LO_FLAGS_READ_ONLY alone
eq "$(field "$(status64 "$d")" lo_flags)" 1 "lo_flags after the switch"

# Buffered from now on, with the same data.
rm -f "$out"
dd if="$d" of="$out" bs=1M iflag=direct status=none ||
	fail "second direct read of $d failed"
eq "$(sha "$out")" "$want" "data read after the switch"

log=$(dmesg | tail -n +"$((n0 + 1))")
n=$(grep -c "switched to buffered I/O" <<<"$log" || true)
[ "$n" = 1 ] || {
	echo "$log" >&2
	fail "$n kernel log lines say 'switched to buffered I/O', expected 1"
}
note "$(grep "switched to buffered I/O" <<<"$log")"
if grep -qi "I/O error" <<<"$log"; then
	echo "$log" >&2
	fail "kernel log shows I/O errors"
fi
pass
