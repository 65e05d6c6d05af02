#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The data path of an encrypted device, native mode, beyond 100's single
# writes: a partition table made through the device is scanned from the
# decrypted bytes and its partitions keep their data across a rebind,
# while the file holds no table; fio's verify with flushes and FUA writes
# (O_SYNC), and 1M sequential writes from several jobs, direct and
# buffered; LOOP_CHANGE_FD to an encrypted copy keeps the transform; block
# sizes 1024 and 2048 with an offset and a size limit give dm-crypt's
# bytes and write nothing past the limit; 4096-byte data units round a
# file's odd tail off the device's size.
. "$(dirname "$0")/lib.sh"
# shellcheck source=crypt-lib.sh
. "$(dirname "$0")/crypt-lib.sh"
is_family loopx || skip "transforms are native mode only"
need sfdisk fio

key=$WORK/key
head -c 32 /dev/urandom >"$key"

# --- partitions ---------------------------------------------------------------
f=$(mkimg 64M)
d=$(attach -P -e aes-xts-plain64 --key-file "$key" "$f")
mkparts "$d" gpt
blockdev --rereadpt "$d" || fail "BLKRRPART on $d"
mapfile -t want < <(expected_parts "$d")
eq "${#want[@]}" 4 "partitions sfdisk reads back through $d"
check_parts "$d" "${want[@]}"
sfdisk -d "$f" >/dev/null 2>&1 && fail "the file holds a partition table in the clear"
a=$(mkrand 4)
put "$a" "$(part "$d" 3)" 0
"$LX" -d "$d" || fail "detach $d"
d=$(attach -P -e aes-xts-plain64 --key-file "$key" "$f")
check_parts "$d" "${want[@]}"
eq "$(sha_direct "$(part "$d" 3)" 0 $((4 * MIB)))" "$(sha "$a")" \
   "partition 3 after a rebind"
"$LX" -d "$d" || fail "detach $d"

# --- flush, FUA, several jobs -------------------------------------------------------
# seqjobs DEV DIRECT: two jobs write 1M blocks to their own halves of
# 32M and verify them
seqjobs() {
	local out
	out=$(fio --name=lxseq --filename="$1" --size=16M --offset_increment=16M \
		  --numjobs=2 --rw=write --bs=1M --ioengine=libaio --iodepth=4 \
		  --direct="$2" --verify=crc32c --verify_fatal=1 \
		  --group_reporting 2>&1) || { echo "$out" >&2
		fail "fio 1M sequential, two jobs, on $1 (direct=$2)"; }
	echo "$out" | grep -q "err= 0" || { echo "$out" >&2; fail "fio reported errors"; }
}

f=$(mkimg 64M)
# direct I/O (where the file takes it, as by default), then buffered
for dio in --direct-io --direct-io=off; do
	d=$(attach "$dio" -e aes-xts-plain64 --key-file "$key" "$f")
	eq "$(sysattr "$d" queue/write_cache)" "write back" "write cache ($dio)"
	FIO_SIZE=16M fio_verify "$d" 0 --fsync=4
	FIO_SIZE=16M fio_verify "$d" 1 --sync=1
	seqjobs "$d" 1
	seqjobs "$d" 0
	"$LX" -d "$d" || fail "detach $d"
done

# --- LOOP_CHANGE_FD --------------------------------------------------------
a=$(mkrand 8)
f=$(mkimg 8M)
d=$(attach -e aes-xts-plain64 --key-file "$key" "$f")
put "$a" "$d" 0
"$LX" -d "$d" || fail "detach $d"
cp "$f" "$WORK/copy"
z=$(mkimg 8M)
d=$(attach -r -e aes-xts-plain64 --key-file "$key" "$WORK/copy")
expect_errno ok lxctl change-fd "$d" "$z"
expect_errno ok lxctl change-fd "$d" "$f"
eq "$(sysattr "$d" loop/backing_file)" "$f" "backing_file after CHANGE_FD"
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "encryption after CHANGE_FD"
eq "$(sha_direct "$d")" "$(sha "$a")" "O_DIRECT read after CHANGE_FD"
drop_caches
eq "$(sha "$d")" "$(sha "$a")" "buffered read after CHANGE_FD"
"$LX" -d "$d" || fail "detach $d"

# --- block sizes 1024 and 2048, an offset and a size limit ------------------
# the same bytes as dm-crypt over the same range, both ways, and nothing
# written past the limit
if command -v dmsetup >/dev/null && modprobe -q dm-crypt; then
	hex=$(od -An -tx1 "$key" | tr -d ' \n')
	f=$(mkimg 32M)
	plain=$(attach "$f")
	for bs in 1024 2048; do
		d=$(attach -b "$bs" -o 1M --sizelimit 16M -e aes-xts-plain64 \
			   --key-file "$key" "$f")
		eq "$(sysattr "$d" queue/logical_block_size)" "$bs" "block size $bs"
		eq "$(devsize "$d")" $((16 * MIB)) "size with a limit ($bs)"
		dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$hex" \
			 $((16 * MIB / 512))
		both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((4 * MIB)) \
			  "block size $bs"
		dm_remove lxcrypt
		dd if=/dev/zero of="$d" bs=1M seek=15 count=2 oflag=direct \
		   status=none 2>/dev/null && fail "a write past the limit ($bs)"
		"$LX" -d "$d" || fail "detach $d"
	done
	eq "$(sha "$f" $((17 * MIB)) $((15 * MIB)))" "$(sha_zero $((15 * MIB)))" \
	   "the file past the limit"
	"$LX" -d "$plain" || fail "detach $plain"
else
	note "no dm-crypt: block sizes 1024 and 2048 not compared"
fi

# --- 4096-byte data units -----------------------------------------------------
desc=loopx-test:$$
expect_errno ok lxctl add-logon-key "$desc" \
	"$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
f=$(mkimg 16M)
truncate -s $((16 * MIB + 2048)) "$f"
d=$(attach -e aes-xts-plain64 --key-desc "$desc" -b 4096 "$f")
eq "$(devsize "$d")" $((16 * MIB)) "size with 4K units and a 2K tail"
"$LX" -d "$d" || fail "detach $d"
pass
