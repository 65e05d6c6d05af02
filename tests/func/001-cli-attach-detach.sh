#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Attach and detach through the CLI: -f --show picks a free device and
# binds it (loop/ appears in sysfs with the right backing file and size),
# -a, -j and -l --json list it, the DISKSEQ column is sysfs diskseq and
# new at the next binding, -d unbinds it, "loopx DEV FILE" binds a
# chosen device and -D unbinds everything.  Catches a driver whose
# LOOP_CONFIGURE/SET_FD or CLR_FD does not really (un)bind, or whose sysfs
# view disagrees with the ioctls the CLI uses.
. "$(dirname "$0")/lib.sh"

f=$(mkimg 32M)
d=$(attach "$f")
bound "$d" || fail "$d: no loop/ in sysfs after attach"
eq "$(sysattr "$d" loop/backing_file)" "$f" "backing_file"
eq "$(devsize "$d")" $((32 << 20)) "size of $d"

# Listings name the device and the file (losetup's formats).
"$LX" -a | grep -q "^$d: .*($f)" || fail "-a does not list $d: $("$LX" -a)"
out=$("$LX" -j "$f")
[ "$(echo "$out" | grep -c .)" = 1 ] || fail "-j $f: expected one line: $out"
echo "$out" | grep -q "^$d: " || fail "-j $f does not list $d: $out"
"$LX" -l --json | grep -Eq "\"name\": *\"$d\"" ||
	fail "-l --json does not list $d: $("$LX" -l --json)"
seq=$("$LX" -l -n -O DISKSEQ "$d" | tr -d ' ')
eq "$seq" "$(sysattr "$d" diskseq)" "DISKSEQ column"
"$LX" -l -J -O NAME,DISKSEQ "$d" | grep -Eq "\"diskseq\": *$seq\b" ||
	fail "--json has no diskseq $seq: $("$LX" -l -J -O NAME,DISKSEQ "$d")"

"$LX" -d "$d" || fail "-d $d: exit $?"
! bound "$d" || fail "$d still bound after -d"
[ -z "$("$LX" -j "$f")" ] || fail "-j still lists $f after -d"

# An explicit device, then -D for everything.
d=$(free_dev)
"$LX" "$d" "$f" || fail "$LX $d $f: exit $?"
bound "$d" || fail "$d not bound by '$LX $d $f'"
# the kernel's sequence is global: every binding gets a higher number
new=$("$LX" -l -n -O DISKSEQ "$d" | tr -d ' ')
[ "$new" -gt "$seq" ] || fail "DISKSEQ $new after a new binding, was $seq"
d2=$(attach "$f")
[ "$d2" != "$d" ] || fail "-f returned the bound device $d"
"$LX" -D || fail "-D: exit $?"
! bound "$d" || fail "$d still bound after -D"
! bound "$d2" || fail "$d2 still bound after -D"
pass
