#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The CLI's error contract: usage errors exit 2 with a message on stderr;
# failures exit 1 with "loopx: <object>: <step>: <strerror>" on stderr and
# nothing on stdout (a script's d=$(loopx -f --show ...) must not get a
# device name when the attach failed); the errno text is the kernel's.
. "$(dirname "$0")/lib.sh"
[ "${LX##*/}" = loopx ] || skip "the error contract is loopx's (LX=$LX)"

f=$(mkimg 4M)

usage_err() { # CLI ARGS...: expect exit 2, a message, no stdout
	local out err rc=0
	out=$("$LX" "$@" 2>"$WORK/err") || rc=$?
	err=$(<"$WORK/err")
	eq "$rc" 2 "exit status of 'loopx $*'"
	[ -n "$err" ] || fail "'loopx $*': no message on stderr"
	[ -z "$out" ] || fail "'loopx $*': stdout: $out"
	grep -q "^loopx: " "$WORK/err" || fail "'loopx $*': message '$err'"
}

failure() { # OBJECT STRERROR CLI ARGS...: expect exit 1 and the message
	local obj=$1 msg=$2 out err rc=0
	shift 2
	out=$("$LX" "$@" 2>"$WORK/err") || rc=$?
	err=$(<"$WORK/err")
	eq "$rc" 1 "exit status of 'loopx $*'"
	[ -z "$out" ] || fail "'loopx $*': stdout: $out"
	echo "$err" | grep -Eq "^loopx: $obj: [^:]+: $msg\$" ||
		fail "'loopx $*': expected 'loopx: $obj: <step>: $msg', got '$err'"
}

usage_err --bogus
usage_err -d
usage_err -o notanumber -f --show "$f"
usage_err --sizelimit -5 -f --show "$f"
usage_err --direct-io=maybe -f --show "$f"
usage_err -f --show "$f" extra-argument

failure /nonexistent "No such file or directory" -f --show /nonexistent
d=$(free_dev)
failure "$d" "No such device or address" -d "$d"
failure "$d" "No such device or address" -c "$d"
failure /dev/nonexistent "No such file or directory" -d /dev/nonexistent

d=$(attach "$f")
failure "$d" "Device or resource busy" "$d" "$f"
failure "$WORK" "(Invalid argument|Is a directory)" -f --show "$WORK"

# A block size the kernel refuses: the kernel's EINVAL, device released.
rc=0
out=$("$LX" -b 1000 -f --show "$f" 2>"$WORK/err") || rc=$?
case "$rc" in
1) grep -Eq "^loopx: .*: Invalid argument$" "$WORK/err" ||
	   fail "-b 1000: $(cat "$WORK/err")" ;;
2) ;;	# refused by the CLI itself: also fine
*) fail "-b 1000: exit $rc" ;;
esac
[ -z "$out" ] || fail "-b 1000 printed '$out'"
eq "$("$LX" -j "$f" | grep -c .)" 1 "devices bound to the file after -b 1000"
pass
