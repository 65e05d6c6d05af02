#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The old LOOP_GET_STATUS/LOOP_SET_STATUS (struct loop_info, int offset, no
# sizelimit): GET reports the same values as GET_STATUS64; SET changes the
# offset and name and, since the old struct has no sizelimit, resets the
# sizelimit to 0 (the device grows to the end of the file); an offset that
# does not fit the old int gives EOVERFLOW rather than a truncated value.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 4G)	# sparse
d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --offset 4096 --sizelimit 8388608 \
	--flags 8 --name oldname

s=$(lxctl get-status "$d") || fail "get-status: $s"
eq "$(field "$s" lo_number)" "$(devidx "$d")" lo_number
eq "$(field "$s" lo_device)" "$(stat -c %d "$f")" lo_device
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" lo_inode
eq "$(field "$s" lo_rdevice)" 0 lo_rdevice
eq "$(field "$s" lo_offset)" 4096 lo_offset
eq "$(($(field "$s" lo_flags) & ~16))" 8 lo_flags
eq "$(field "$s" lo_name)" oldname lo_name
eq "$(field "$s" lo_encrypt_type)" 0 lo_encrypt_type
eq "$(field "$s" lo_encrypt_key_size)" 0 lo_encrypt_key_size
eq "$(field "$s" lo_init)" 0,0 lo_init

expect_errno ok lxctl set-status "$d" offset=1048576 file_name=newname
s=$(status64 "$d")
eq "$(field "$s" lo_offset)" 1048576 "offset after SET_STATUS"
eq "$(field "$s" lo_sizelimit)" 0 "sizelimit after SET_STATUS"
eq "$(field "$s" lo_file_name)" newname "name after SET_STATUS"
eq "$(($(field "$s" lo_flags) & ~16))" 8 "flags after SET_STATUS"
eq "$(devsize "$d")" $(((4 << 30) - (1 << 20))) "size after SET_STATUS"

# An encryption type through the old struct: stock loop converts the old
# struct without its encryption fields, so it silently sets up an
# unencrypted device; loopx refuses it with EINVAL, as through
# SET_STATUS64, and changes nothing.
if is_family loop; then
	expect_errno ok lxctl set-status "$d" encrypt_type=1 key_size=33 offset=2097152
	s=$(status64 "$d")
	eq "$(field "$s" lo_encrypt_type)" 0 "encrypt type after old SET_STATUS"
	eq "$(field "$s" lo_offset)" 2097152 "offset after old SET_STATUS with encrypt_type"
else
	expect_errno EINVAL lxctl set-status "$d" encrypt_type=1 offset=2097152
	expect_errno EINVAL lxctl set-status "$d" encrypt_type=18 offset=2097152
	eq "$(field "$(status64 "$d")" lo_offset)" 1048576 "offset after a refused SET_STATUS"
fi

# An offset above INT_MAX cannot be reported in the old struct.
expect_errno ok lxctl set-status64 "$d" offset=$((3 << 30))
expect_errno EOVERFLOW lxctl get-status "$d"
eq "$(field "$(status64 "$d")" lo_offset)" $((3 << 30)) "offset 3 GiB"
pass
