#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# struct loopx_crypt through LOOPX_CTL_CONFIGURE and LOOPX_IOC_CONFIGURE,
# native mode: a 64-byte logon key from the kernel keyring (AES-256-XTS),
# named as dm-crypt names it, gives the same bytes as dm-crypt with the
# same key string, both ways: 512-byte data units, 4096-byte ones
# (sector_size:4096, the device's logical block size then 4096) with the
# IV in 512-byte units or in data units (iv_large_sectors), and an IV
# offset. GET_STATUS64 reports the cipher with key size 0 and no key, and
# the status written back keeps it. Discard only with LOOPX_CRYPT_DISCARD. The tool does the same with
# --key-desc. Bad structures and keys get EINVAL or ENOKEY and bind
# nothing.
. "$(dirname "$0")/lib.sh"
# shellcheck source=crypt-lib.sh
. "$(dirname "$0")/crypt-lib.sh"
is_family loopx || skip "transforms are native mode only"
need dmsetup blkdiscard
modprobe -q dm-crypt || skip "no dm-crypt module in $(uname -r)"

desc=loopx-test:$$
key=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect_errno ok lxctl add-logon-key "$desc" "$key"
ks=":64:logon:$desc"

f=$(mkimg 64M)
plain=$(attach "$f")
sectors=$(((64 * MIB - MIB) / 512))

# ctl_crypt [lxctl ctl-configure options]: bind with struct loopx_crypt
ctl_crypt() {
	local out
	out=$(lxctl ctl-configure -1 "$f" --offset $MIB --crypt aes-xts-plain64 \
		--crypt-key "$ks" "$@") || fail "ctl-configure --crypt $*: $out"
	dev "${out#ok }"
}

d=$(ctl_crypt)
s=$(status64 "$d")
eq "$(field "$s" lo_encrypt_type)" 18 "lo_encrypt_type"
eq "$(field "$s" lo_encrypt_key_size)" 0 "lo_encrypt_key_size of a keyring key"
eq "$(field "$s" lo_crypt_name)" aes-xts-plain64 "lo_crypt_name"
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "sysfs encryption"
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors"
both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((2 * MIB)) "64-byte keyring key"
dm_remove lxcrypt
expect_errno ok lxctl set-status64 "$d" flags=0
eq "$(field "$(status64 "$d")" lo_encrypt_type)" 18 "type after write-back"
expect_errno ok lxctl clr-fd "$d"

d=$(ctl_crypt --crypt-flags 1)
eq "$(sysattr "$d" queue/logical_block_size)" 4096 "block size with 4K units"
expect_errno EINVAL lxctl set-block-size "$d" 512
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors" 0 \
	 sector_size:4096
both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((4 * MIB)) "4K data units"
dm_remove lxcrypt
expect_errno ok lxctl clr-fd "$d"

d=$(ctl_crypt --crypt-flags 3 --iv-offset 800)
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors" 800 \
	 sector_size:4096 iv_large_sectors
both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((6 * MIB)) \
	  "4K units, large IVs, IV offset"
dm_remove lxcrypt
expect_errno ok lxctl clr-fd "$d"

# discard only when asked for (LOOPX_CRYPT_DISCARD): it punches a hole,
# which reads as the decryption of zeroes there as through dm-crypt's
# allow_discards; write-zeroes stays off
d=$(ctl_crypt)
eq "$(sysattr "$d" queue/discard_max_bytes)" 0 "discard not asked for"
expect_errno ok lxctl clr-fd "$d"
d=$(ctl_crypt --crypt-flags 4)
[ "$(sysattr "$d" queue/discard_max_bytes)" -gt 0 ] ||
	fail "no discard with LOOPX_CRYPT_DISCARD"
eq "$(sysattr "$d" queue/write_zeroes_max_bytes)" 0 \
   "write-zeroes with LOOPX_CRYPT_DISCARD"
a=$(mkrand 1)
put "$a" "$d" $((12 * MIB))
blkdiscard -o $((12 * MIB)) -l $MIB "$d" || fail "blkdiscard on $d"
eq "$(sha "$f" $((13 * MIB)) $MIB)" "$(sha_zero $MIB)" "the discarded range in the file"
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors"
eq "$(sha_direct "$d" $((12 * MIB)) $MIB)" \
   "$(sha_direct /dev/mapper/lxcrypt $((12 * MIB)) $MIB)" \
   "a discarded range through loopx and through dm-crypt"
dm_remove lxcrypt
expect_errno ok lxctl clr-fd "$d"

# the same structure through LOOPX_IOC_CONFIGURE, on the device itself
d=$(free_dev)
expect_errno ok lxctl xconfigure "$d" "$f" --offset $MIB \
	--crypt aes-xts-plain64 --crypt-key "$ks"
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "LOOPX_IOC_CONFIGURE"
eq "$(sysattr "$d" loop/offset)" $MIB "offset through LOOPX_IOC_CONFIGURE"
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors"
both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((10 * MIB)) \
	  "LOOPX_IOC_CONFIGURE"
dm_remove lxcrypt
expect_errno ok lxctl clr-fd "$d"
wait_unbound "$d" || fail "$d still bound after LOOP_CLR_FD"
expect_errno ENOKEY lxctl xconfigure "$d" "$f" --crypt aes-xts-plain64 \
	--crypt-key ":64:logon:loopx-test:none"
expect_errno EINVAL lxctl xconfigure "$d" "$f" --crypt aes-xts-plain64 \
	--crypt-key "$ks" --reserved-nonzero
expect_errno EINVAL lxctl xconfigure "$d" "$f" --xflags 0x80
bound "$d" && fail "$d bound after a refused LOOPX_IOC_CONFIGURE"

# the tool: --key-desc (64 bytes by default), -b 4096 for 4K data units
d=$(attach -e aes-xts-plain64 --key-desc "$desc" -b 4096 -o 1M "$f")
eq "$(sysattr "$d" loop/encryption)" aes-xts-plain64 "encryption from the tool"
eq "$(sysattr "$d" queue/logical_block_size)" 4096 "block size from the tool"
dm_crypt lxcrypt "$plain" $MIB aes-xts-plain64 "$ks" "$sectors" 0 \
	 sector_size:4096
both_ways "$d" /dev/mapper/lxcrypt "$f" $MIB $((8 * MIB)) "the tool's device"
dm_remove lxcrypt
expect_errno ok lxctl clr-fd "$d"
expect_errno ok lxctl clr-fd "$plain"
out=$("$LX" -f --show -e aes-xts-plain64 --key-desc loopx-test:none "$f" 2>&1) &&
	fail "--key-desc of a missing key: $out"
echo "$out" | grep -q "no logon key" || fail "--key-desc of a missing key: '$out'"

# bad input binds nothing
bad() {
	local want=$1
	shift
	expect_errno "$want" lxctl ctl-configure -1 "$f" --crypt "$@"
}
bad EINVAL aes-xts-plain64 --crypt-key ":32:logon:$desc"
bad EINVAL aes-xts-plain64 --crypt-key ":64:user:$desc"
bad EINVAL aes-xts-plain64 --crypt-key "$key"
bad EINVAL aes-xts-plain64 --crypt-key ":64:logon:"
bad ENOKEY aes-xts-plain64 --crypt-key ":64:logon:loopx-test:none"
bad EINVAL aes-xts-plain64 --crypt-key "$ks" --crypt-flags 8
bad EINVAL aes-xts-plain64 --crypt-key "$ks" --crypt-reserved
bad EINVAL aes-xts-plain64 --crypt-key "$ks" --crypt-flags 1 --block-size 512
bad EINVAL aes-xts-plain64 --crypt-key "$ks" --encrypt-type 18
bad EINVAL nosuch-xts-plain64 --crypt-key "$ks"
n=$(find /sys/block -maxdepth 1 -name "${PFX}[0-9]*" -exec test -d '{}/loop' \; -print | wc -l)
eq "$n" 0 "devices bound after bad input"
pass
