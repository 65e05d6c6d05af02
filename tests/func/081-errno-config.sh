#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Bad LOOP_CONFIGURE and LOOP_SET_STATUS64 fields, each with upstream's
# errno, and a refused call changes nothing: flag bits outside
# LOOP_CONFIGURE_SETTABLE_FLAGS, block sizes that are not a power of two
# in [512, PAGE_SIZE], lo_encrypt_type != 0, lo_encrypt_key_size > 32 are
# EINVAL; offset or sizelimit above LLONG_MAX are EOVERFLOW.  Flags that
# SET_STATUS64 may not change are silently kept as they were.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 16M)
d=$(free_dev)

unbound_after() {
	! bound "$d" || fail "$d bound after a refused CONFIGURE ($*)"
}

for fl in 2 32 64 0x100 0x80000000; do
	expect_errno EINVAL lxctl configure "$d" "$f" --flags "$fl"
	unbound_after "flags $fl"
done
for bs in 1000 8192 256 511 513 65536; do
	expect_errno EINVAL lxctl configure "$d" "$f" --block-size "$bs"
	unbound_after "block size $bs"
done
for et in 1 2 18 19 255; do
	expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type "$et"
	unbound_after "encrypt type $et"
done
expect_errno EINVAL lxctl configure "$d" "$f" --key-size 33
unbound_after "key size 33"
expect_errno EOVERFLOW lxctl configure "$d" "$f" --offset $((1 << 63))
unbound_after "offset 2^63"
expect_errno EOVERFLOW lxctl configure "$d" "$f" --sizelimit 0xffffffffffffffff
unbound_after "sizelimit 2^64-1"

# Non-zero __reserved words: stock loop ignores them, loopx refuses them
# so that they can carry meaning later.
if is_family loop; then want=ok; else want=EINVAL; fi
expect_errno $want lxctl configure "$d" "$f" --reserved-nonzero
if [ $want = ok ]; then
	expect_errno ok lxctl clr-fd "$d"
else
	unbound_after "reserved words"
fi

# Valid edge values.
for bs in 512 1024 2048 4096; do
	expect_errno ok lxctl configure "$d" "$f" --block-size "$bs"
	eq "$(sysattr "$d" queue/logical_block_size)" "$bs" "block size $bs"
	expect_errno ok lxctl clr-fd "$d"
done
expect_errno ok lxctl configure "$d" "$f" --key-size 32
expect_errno ok lxctl clr-fd "$d"

# The same checks on a bound device through SET_STATUS64.
expect_errno ok lxctl configure "$d" "$f" --offset 4096 --name keep
before=$(status64 "$d")
expect_errno EINVAL lxctl set-status64 "$d" encrypt_type=1 offset=8192
expect_errno EINVAL lxctl set-status64 "$d" encrypt_type=18
expect_errno EINVAL lxctl set-status64 "$d" key_size=33
expect_errno EOVERFLOW lxctl set-status64 "$d" offset=$((1 << 63))
expect_errno EOVERFLOW lxctl set-status64 "$d" sizelimit=0x8000000000000000
eq "$(status64 "$d")" "$before" "status after refused SET_STATUS64"
eq "$(devsize "$d")" $(((16 << 20) - 4096)) "size after refused SET_STATUS64"

# READ_ONLY and DIRECT_IO cannot be set, PARTSCAN cannot be cleared; the
# call succeeds and the flags stay as they were.  (Direct I/O off first:
# loopx turns it on by default.)
expect_errno ok lxctl set-dio "$d" 0
expect_errno ok lxctl set-status64 "$d" flags=17
eq "$(field "$(status64 "$d")" lo_flags)" 0 "lo_flags after trying RO|DIO"
eq "$(sysattr "$d" ro)" 0 "ro after trying to set READ_ONLY"
expect_errno ok lxctl set-status64 "$d" flags=8
eq "$(field "$(status64 "$d")" lo_flags)" 8 "lo_flags after setting PARTSCAN"
expect_errno ok lxctl set-status64 "$d" flags=0
eq "$(field "$(status64 "$d")" lo_flags)" 8 "lo_flags after clearing PARTSCAN"
# Unknown bits are masked by SET_STATUS64, as upstream does (only
# CONFIGURE refuses them): the call succeeds, lo_flags does not change.
expect_errno ok lxctl set-status64 "$d" flags=$((0x20 | 0x100 | 8))
eq "$(field "$(status64 "$d")" lo_flags)" 8 "lo_flags after unknown bits"
pass
