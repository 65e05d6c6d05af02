#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# LOOPX_CTL_CONFIGURE binds from the control node without opening the
# device: index -1 takes a free device and returns its index, partitions
# exist when it returns, an explicit index creates the device if needed;
# a read-only control fd or LO_FLAGS_READ_ONLY binds read-only,
# LOOPX_CONFIG_BUFFERED turns direct I/O off with a reason; a bound index
# is EBUSY, bad arguments EINVAL or EBADF, and a bound device cannot be
# removed. The CLI attaches this way: it never opens the device node, so
# udev has no write-close to answer with a partition rescan.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx only"
need sfdisk strace

f=$(mkimg 64M)
mkparts "$f" gpt
mapfile -t parts < <(expected_parts "$f")

out=$(lxctl ctl-configure -1 "$f" --flags 8) || fail "ctl-configure -1: $out"
d=$(dev "${out#ok }")
bound "$d" || fail "$d not bound after ctl-configure"
check_parts "$d" "${parts[@]}"
eq "$(sysattr "$d" loop/backing_file)" "$(realpath "$f")" backing_file
eq "$(sysattr "$d" ro)" 0 "ro"
pat=$(mkrand 1)
dd if="$pat" of="$(part "$d" 1)" bs=1M oflag=direct status=none
eq "$(sha "$f" $((${parts[0]%:*} * 512)) $((1 << 20)))" "$(sha "$pat")" \
   "p1 data in the file"

# the same index again: it is bound
expect_errno EBUSY lxctl ctl-configure "$(devidx "$d")" "$f"
expect_errno EBUSY lxctl ctl-remove "$(devidx "$d")"
# -1 skips the bound device
out=$(lxctl ctl-configure -1 "$f" --file-ro) || fail "second -1: $out"
d2=$(dev "${out#ok }")
[ "$d2" != "$d" ] || fail "-1 returned the bound $d"
eq "$(sysattr "$d2" ro)" 1 "ro with a read-only backing fd"
expect_errno ok lxctl clr-fd "$d2"
expect_errno ok lxctl clr-fd "$d"
no_parts "$d"

# an index that does not exist yet is created
last=$(find /sys/block -maxdepth 1 -name "${PFX}[0-9]*" -printf '%f\n' |
	sed "s/^$PFX//" | sort -n | tail -n 1)
idx=$((last + 1))
[ ! -e "$(dev "$idx")" ] || fail "$(dev "$idx") exists before the test"
expect_errno ok lxctl ctl-configure "$idx" "$f"
bound "$(dev "$idx")" || fail "$(dev "$idx") not bound"
expect_errno ok lxctl clr-fd "$(dev "$idx")"
expect_errno ok lxctl ctl-remove "$idx"

# a read-only control fd, and LOOPX_CONFIG_BUFFERED
out=$(lxctl ctl-configure -1 "$f" --dev-ro --buffered) || fail "ro: $out"
d=$(dev "${out#ok }")
eq "$(sysattr "$d" ro)" 1 "ro with a read-only control fd"
eq "$(sysattr "$d" loop/dio)" 0 "dio with LOOPX_CONFIG_BUFFERED"
eq "$(sysattr "$d" loop/dio_reason)" "off as asked by the binder" dio_reason
expect_errno ok lxctl clr-fd "$d"

# bad arguments, and nothing is left bound by them
expect_errno EINVAL lxctl ctl-configure -2 "$f"
expect_errno EINVAL lxctl ctl-configure -1 "$f" --reserved-nonzero
expect_errno EINVAL lxctl ctl-configure -1 "$f" --xflags 2
expect_errno EINVAL lxctl ctl-configure -1 "$f" --flags 0x40000
expect_errno EBADF lxctl ctl-configure -1 --fd 999
expect_errno EINVAL lxctl ctl-configure -1 --dir /
expect_errno EINVAL lxctl ctl-configure -1 "$f" --block-size 1000
[ -z "$("$LX" -a)" ] || fail "devices left bound: $("$LX" -a)"

# The CLI binds without opening any loop device node for writing.
trace=$SCRATCH/065.strace
d=$(strace -f -qq -e trace=openat -o "$trace" "$LX" -fP --show "$f") ||
	fail "loopx -fP under strace"
check_parts "$d" "${parts[@]}"
if grep -E "\"/dev/${PFX}[0-9]+\".*O_(RDWR|WRONLY)" "$trace"; then
	fail "the CLI opened the device node for writing"
fi
grep -q "\"$CTL\"" "$trace" || fail "the CLI did not use $CTL"
"$LX" -d "$d"
no_parts "$d"
pass
