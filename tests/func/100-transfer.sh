#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Transfer functions, native mode (compat mode refuses them as loop does:
# 081). XOR as the classic loop computed it, against a reference in Python.
# CRYPTOAPI bit for bit against dm-crypt over the same bytes, both ways:
# aes-xts-plain64 with an offset, at a 4096-byte block size and past unit
# 2^32 (where aes-xts-plain wraps, as dm-crypt's does), aes-cbc-essiv:sha256
# and aes-cbc-plain; the file never holds the plain text. A wrong key reads
# other data, not an error. The key never comes back (GET_STATUS64, sysfs,
# the kernel log); only CAP_SYS_ADMIN sets one; writing the status back
# keeps the transform; a new key drops the page cache; discard is off;
# after detach the device reads the file as it is.
. "$(dirname "$0")/lib.sh"
# shellcheck source=crypt-lib.sh
. "$(dirname "$0")/crypt-lib.sh"
is_family loopx || skip "transforms are native mode only"
need dmsetup python3 setpriv
modprobe -q dm-crypt || skip "no dm-crypt module in $(uname -r)"

# printable, so that a leak is found by grep
KEY_TEXT='loopx-test-key-0123456789abcdef!'
KEY=$(printf %s "$KEY_TEXT" | od -An -tx1 | tr -d ' \n')
KEY2=$(printf %s 'another-key-for-the-same-file-42' | od -An -tx1 | tr -d ' \n')

# xor_ref IN KEYHEX: IN as the classic loop's XOR transfer would store it.
xor_ref() {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	data = open(sys.argv[1], 'rb').read()
	key = bytes.fromhex(sys.argv[2])
	unit = bytes(key[(i % 512) % len(key)] for i in range(512))
	stream = unit * (len(data) // 512)
	x = int.from_bytes(data, 'big') ^ int.from_bytes(stream, 'big')
	sys.stdout.buffer.write(x.to_bytes(len(data), 'big'))
	EOF
}

# nobody CMD...: CMD as an unprivileged user (called through expect_errno)
# shellcheck disable=SC2317
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

# crypt_dev FILE OFFSET CIPHER KEYHEX [configure options]: bind a free
# device with CRYPTOAPI, print it.
crypt_dev() {
	local f=$1 off=$2 cipher=$3 key=$4 d
	shift 4
	d=$(free_dev)
	expect_errno ok lxctl configure "$d" "$f" --offset "$off" \
		--encrypt-type 18 --crypt-name "$cipher" --key "$key" "$@"
	echo "$d"
}

# against_dm FILE PLAIN OFFSET CIPHER KEYHEX AT [configure options]:
# both_ways between a loopx device and dm-crypt over the plain device PLAIN.
against_dm() {
	local f=$1 plain=$2 off=$3 cipher=$4 key=$5 at=$6 d
	shift 6
	d=$(crypt_dev "$f" "$off" "$cipher" "$key" "$@")
	dm_crypt lxcrypt "$plain" "$off" "$cipher" "$key" \
		 $((($(stat -c %s "$f") - off) / 512))
	both_ways "$d" /dev/mapper/lxcrypt "$f" "$off" "$at" "$cipher $*"
	dm_remove lxcrypt
	expect_errno ok lxctl clr-fd "$d"
}

# --- XOR ---------------------------------------------------------------------
f=$(mkrand 2)
d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --encrypt-type 1 --key 736563726574
xor_ref "$f" 736563726574 >"$WORK/ref"
eq "$(sha_direct "$d")" "$(sha "$WORK/ref")" "XOR read against the reference"
a=$(mkrand 1)
put "$a" "$d" $MIB
xor_ref "$a" 736563726574 >"$WORK/ref"
eq "$(sha "$f" $MIB $MIB)" "$(sha "$WORK/ref")" "XOR write against the reference"
eq "$(sysattr "$d" loop/encryption)" xor "sysfs encryption for XOR"
expect_errno ok lxctl clr-fd "$d"
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 1
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 18 \
	--crypt-name aes-xts-plain64
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 18 \
	--crypt-name aes-ecb-plain64 --key "$KEY"
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 18 \
	--crypt-name nosuch-xts-plain64 --key "$KEY"
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 18 \
	--crypt-name aes-xts-plain64 --key 00112233
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 5 --key "$KEY"
bound "$d" && fail "$d bound after refused transforms"

# --- against dm-crypt ------------------------------------------------------------
f=$(mkimg 64M)
plain=$(attach "$f")
against_dm "$f" "$plain" 0 aes-xts-plain64 "$KEY" $((8 * MIB))
against_dm "$f" "$plain" $MIB aes-xts-plain64 "$KEY" $((3 * MIB))
against_dm "$f" "$plain" $MIB aes-xts-plain64 "$KEY" $((5 * MIB)) \
	--block-size 4096
against_dm "$f" "$plain" 4096 aes-cbc-essiv:sha256 "$KEY" $((2 * MIB))
against_dm "$f" "$plain" 0 aes-cbc-plain "${KEY:0:32}" $((4 * MIB))
expect_errno ok lxctl clr-fd "$plain"

# past unit 2^32, where plain's 32-bit IV wraps and plain64's does not
big=$(mkimg 2049G)
plain=$(attach "$big")
high=$(((1 << 32) * 512 + 8 * 4096))
against_dm "$big" "$plain" 0 aes-xts-plain64 "$KEY" "$high"
against_dm "$big" "$plain" 0 aes-xts-plain "$KEY" "$high"
expect_errno ok lxctl clr-fd "$plain"
rm -f "$big"

# --- keys --------------------------------------------------------------------
f=$(mkimg 16M)
d=$(crypt_dev "$f" 0 aes-xts-plain64 "$KEY")
s=$(status64 "$d")
eq "$(field "$s" lo_encrypt_type)" 18 "lo_encrypt_type"
eq "$(field "$s" lo_crypt_name)" aes-xts-plain64 "lo_crypt_name"
eq "$(field "$s" lo_encrypt_key_size)" 32 "lo_encrypt_key_size"
eq "$(field "$s" lo_encrypt_key)" "$(printf '0%.0s' {1..64})" \
   "lo_encrypt_key in GET_STATUS64"
eq "$(field "$(lxctl get-status "$d")" lo_encrypt_key)" \
   "$(printf '0%.0s' {1..64})" "lo_encrypt_key in GET_STATUS"
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "sysfs encryption"
eq "$(sysattr "$d" queue/discard_max_bytes)" 0 "discard on an encrypted device"
eq "$(sysattr "$d" queue/write_zeroes_max_bytes)" 0 \
   "write-zeroes on an encrypted device"
if grep -rqsF "$KEY_TEXT" "$(sysof "$d")/" "$(sysof "$d")/loop/" ||
   dmesg | grep -qF "$KEY_TEXT"; then
	fail "the key is in sysfs or the kernel log"
fi

a=$(mkrand 4)
put "$a" "$d" 0
dd if="$d" bs=1M count=4 status=none >/dev/null || fail "cached read"
# the status read and written back keeps the transform and its key
expect_errno ok lxctl set-status64 "$d" flags=0
eq "$(field "$(status64 "$d")" lo_encrypt_type)" 18 "type after write-back"
eq "$(sha_direct "$d" 0 $((4 * MIB)))" "$(sha "$a")" "data after write-back"

# a wrong key reads other data, without an error; a new key on the bound
# device drops the page cache, so even a cached read sees it
d2=$(crypt_dev "$f" 0 aes-xts-plain64 "$KEY2")
out=$(sha_direct "$d2" 0 $((4 * MIB))) || fail "read with the wrong key"
[ "$out" != "$(sha "$a")" ] || fail "the wrong key read the plain text"
expect_errno ok lxctl clr-fd "$d2"
expect_errno ok lxctl set-status64 "$d" key="$KEY2" key_size=32
[ "$(sha "$d" 0 $((4 * MIB)))" != "$(sha "$a")" ] ||
	fail "a new key left the old plain text in the page cache"
expect_errno ok lxctl set-status64 "$d" key="$KEY" key_size=32
eq "$(sha "$d" 0 $((4 * MIB)))" "$(sha "$a")" "the old key back"
# and with no transform the device reads the file as it is
expect_errno ok lxctl set-status64 "$d" --raw encrypt_type=0
eq "$(sysattr "$d" loop/encryption)" "" "sysfs encryption after NONE"
eq "$(sha "$d" 0 $((4 * MIB)))" "$(sha "$f" 0 $((4 * MIB)))" "plain after NONE"

# only CAP_SYS_ADMIN sets a key, even for a caller that may write the device
expect_errno ok lxctl clr-fd "$d"
chmod 666 "$d"
expect_errno EPERM nobody "$LXCTL" configure "$d" --fd 3 --encrypt-type 18 \
	--crypt-name aes-xts-plain64 --key "$KEY" 3<>"$f"
bound "$d" && fail "$d bound by an unprivileged caller"
d=$(crypt_dev "$f" 0 aes-xts-plain64 "$KEY")
chmod 666 "$d"
expect_errno EPERM nobody "$LXCTL" set-status64 "$d" key="$KEY2" key_size=32
expect_errno ok nobody "$LXCTL" set-status64 "$d" flags=0
eq "$(sha_direct "$d" 0 $((4 * MIB)))" "$(sha "$a")" "data after refused rekey"
chmod 660 "$d"
expect_errno ok lxctl clr-fd "$d"

# after detach, a plain binding of the device reads the file as it is
expect_errno ok lxctl configure "$d" "$f"
eq "$(sysattr "$d" loop/encryption)" "" "sysfs encryption of a plain binding"
eq "$(sha_direct "$d" 0 $((4 * MIB)))" "$(sha "$f" 0 $((4 * MIB)))" \
   "plain binding after an encrypted one"
expect_errno ok lxctl clr-fd "$d"
pass
