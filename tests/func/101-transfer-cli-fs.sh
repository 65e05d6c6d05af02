#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Encryption from the tool, native mode: loopx -e CIPHER --key-file FILE
# attaches an encrypted device that -l and --json show with its cipher;
# fio's verify passes through it with direct and buffered I/O; an ext4
# made on it keeps its files across a remount with cold caches, while the
# backing file holds none of their plain text. Bad key files and options
# get a message and exit status 1, never a device.
. "$(dirname "$0")/lib.sh"
is_family loopx || skip "transforms are native mode only"
need mkfs.ext4 fio

key=$WORK/key
head -c 32 /dev/urandom >"$key"
f=$(mkimg 96M)
d=$(attach -e aes-xts-plain64 --key-file "$key" "$f")
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "sysfs encryption"
out=$("$LX" -l -n -O NAME,ENCRYPTION "$d") || fail "-l: $out"
eq "$(echo "$out" | awk '{print $2}')" aes-xts-plain64 "ENCRYPTION column"
"$LX" -l --json | grep -Eq "\"encryption\": *\"aes-xts-plain64\"" ||
	fail "--json does not show the cipher: $("$LX" -l --json)"

FIO_SIZE=16M fio_verify "$d" 1
FIO_SIZE=16M fio_verify "$d" 0

mkfs.ext4 -q -F "$d" || fail "mkfs.ext4 on $d"
m=$WORK/mnt
mnt "$d" "$m"
marker=loopx-plain-text-marker-
for _ in $(seq 4096); do echo "$marker"; done >"$m/text"
rnd=$(mkrand 8)
cp "$rnd" "$m/rnd"
want_text=$(sha "$m/text")
umount "$m" || fail "umount $m"
drop_caches
mnt "$d" "$m"
eq "$(sha "$m/text")" "$want_text" "text file after a cold remount"
eq "$(sha "$m/rnd")" "$(sha "$rnd")" "random file after a cold remount"
umount "$m" || fail "umount $m"
sync
! grep -qF "$marker" "$f" || fail "the plain text is in the backing file"
expect_errno ok lxctl clr-fd "$d"

# bad input: each a message and exit status 1, nothing bound
head -c 33 /dev/urandom >"$WORK/long"
: >"$WORK/empty"
for args in "-e aes-xts-plain64 --key-file $WORK/long" \
	    "-e aes-xts-plain64 --key-file $WORK/empty" \
	    "-e aes-xts-plain64 --key-file $WORK/none" \
	    "-e aes-xts-plain64" "--key-file $key" \
	    "-e nosuch-xts-plain64 --key-file $key" \
	    "-e aes-xts-plain64 --key-desc loopx:k --key-size 0" \
	    "-e aes-xts-plain64 --key-desc loopx:k --key-size 65" \
	    "-e aes-xts-plain64 --key-file $key --key-size 32" \
	    "-e xor --key-desc loopx:k"; do
	# shellcheck disable=SC2086 # the words of one case
	if out=$("$LX" -f --show $args "$f" 2>&1); then
		fail "loopx $args succeeded: $out"
	fi
	[ -n "$out" ] || fail "loopx $args: no message"
done
n=$(find /sys/block -maxdepth 1 -name "${PFX}[0-9]*" -exec test -d '{}/loop' \; -print | wc -l)
eq "$n" 0 "devices bound after bad input"
pass
