#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every LOOP_GET_STATUS64 field after LOOP_CONFIGURE and after
# LOOP_SET_STATUS64: lo_number is the index, lo_device/lo_inode are the
# backing file's st_dev/st_ino, lo_rdevice its st_rdev (0 for a file, the
# device number for a block device), offset/sizelimit/flags/file name as
# set (the name cut to 63 bytes plus NUL), encryption fields zero.
# lxctl poisons the buffer first, so a field the driver forgets to write
# shows up as 0xa5 bytes.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 64M)
d=$(free_dev)
name=$(printf 'n%.0s' {1..70})	# 70 bytes: longer than lo_file_name

# PARTSCAN|DIRECT_IO; the 1 MiB offset keeps direct I/O possible.
expect_errno ok lxctl configure "$d" "$f" --offset 1048576 \
	--sizelimit 8388608 --flags 24 --name "$name" --crypt-name cname

s=$(status64 "$d")
eq "$(field "$s" lo_number)" "$(devidx "$d")" lo_number
eq "$(field "$s" lo_device)" "$(stat -c %d "$f")" lo_device
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" lo_inode
eq "$(field "$s" lo_rdevice)" 0 lo_rdevice
eq "$(field "$s" lo_offset)" 1048576 lo_offset
eq "$(field "$s" lo_sizelimit)" 8388608 lo_sizelimit
eq "$(field "$s" lo_flags)" 24 lo_flags
eq "$(field "$s" lo_file_name)" "${name:0:63}" lo_file_name
# 6.1 loop keeps no crypt name (cryptoloop is gone) and reports it empty;
# loopx keeps it, so every field round-trips.
if is_family loop; then cname=""; else cname=cname; fi
eq "$(field "$s" lo_crypt_name)" "$cname" lo_crypt_name
eq "$(field "$s" lo_encrypt_type)" 0 lo_encrypt_type
eq "$(field "$s" lo_encrypt_key_size)" 0 lo_encrypt_key_size
eq "$(field "$s" lo_init)" 0,0 lo_init
eq "$(devsize "$d")" 8388608 "size"

# SET_STATUS64 (read-modify-write) changes what it was given, no more.
expect_errno ok lxctl set-status64 "$d" offset=2097152 sizelimit=4194304 \
	file_name=renamed
s=$(status64 "$d")
eq "$(field "$s" lo_offset)" 2097152 "lo_offset after SET_STATUS64"
eq "$(field "$s" lo_sizelimit)" 4194304 "lo_sizelimit after SET_STATUS64"
eq "$(field "$s" lo_file_name)" renamed "lo_file_name after SET_STATUS64"
eq "$(field "$s" lo_flags)" 24 "lo_flags after SET_STATUS64"
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" "lo_inode after SET_STATUS64"
eq "$(sysattr "$d" loop/offset)" 2097152 "sysfs offset after SET_STATUS64"
eq "$(sysattr "$d" loop/sizelimit)" 4194304 "sysfs sizelimit after SET_STATUS64"
eq "$(devsize "$d")" 4194304 "size after SET_STATUS64"

# The read-only fields cannot be written: number, device and inode given
# to SET_STATUS64 are ignored.
expect_errno ok lxctl set-status64 "$d" number=77 device=1 inode=2 rdevice=3
s=$(status64 "$d")
eq "$(field "$s" lo_number)" "$(devidx "$d")" "lo_number after setting it"
eq "$(field "$s" lo_device)" "$(stat -c %d "$f")" "lo_device after setting it"
eq "$(field "$s" lo_inode)" "$(stat -c %i "$f")" "lo_inode after setting it"
eq "$(field "$s" lo_rdevice)" 0 "lo_rdevice after setting it"

# A block device as the backing file: a second device stacked on $d.
d2=$(free_dev)
expect_errno ok lxctl configure "$d2" "$d"
s=$(status64 "$d2")
eq "$(field "$s" lo_number)" "$(devidx "$d2")" "stacked lo_number"
eq "$(field "$s" lo_device)" "$(stat -c %d "$d")" "stacked lo_device"
eq "$(field "$s" lo_inode)" "$(stat -c %i "$d")" "stacked lo_inode"
eq "$(field "$s" lo_rdevice)" "$(rdev_of "$d")" "stacked lo_rdevice"
eq "$(devsize "$d2")" 4194304 "stacked size"
expect_errno ok lxctl clr-fd "$d2"
pass
