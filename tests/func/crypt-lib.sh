# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers of the transfer tests (100, 103), sourced after lib.sh: dm-crypt
# over the same bytes as a loopx device, and the comparison both ways.

MIB=$((1 << 20))

# put SRC DEV AT: write SRC into DEV at byte AT, directly.
put() {
	dd if="$1" of="$2" bs=1M seek="$3" oflag=direct,seek_bytes \
	   conv=notrunc status=none || fail "write $1 to $2 at $3"
}

# dm_crypt NAME BELOW OFFSET CIPHER KEY SECTORS [IV_OFFSET [OPTIONS...]]:
# dm-crypt's plain table over BELOW from byte OFFSET; KEY as dm-crypt takes
# it (hex, or ":64:logon:DESC"); OPTIONS its optional parameters.
dm_crypt() {
	local name=$1 below=$2 off=$3 cipher=$4 key=$5 sectors=$6
	local ivoff=${7:-0} opts=
	shift 7 2>/dev/null || shift $#
	[ $# -gt 0 ] && opts=" $# $*"
	echo "0 $sectors crypt $cipher $key $ivoff $below $((off / 512))$opts" |
		dmsetup create --noudevsync "$name" ||
		fail "dmsetup create $name ($cipher$opts)"
	DMS+=("$name")
	# no udev in the guest: the node is made here
	dmsetup mknodes "$name" || fail "dmsetup mknodes $name"
}

dm_remove() {
	dmsetup remove --retry "$1" || fail "dmsetup remove $1"
	DMS=()
}

# both_ways DEV DM FILE OFFSET AT WHAT: a MiB written through loopx DEV at
# byte AT reads back through dm-crypt's DM, and a MiB written through DM
# one MiB further reads back through DEV; FILE (where DEV starts at
# OFFSET) holds neither in the clear.
both_ways() {
	local d=$1 dm=$2 f=$3 off=$4 at=$5 what=$6 a b
	a=$(mkrand 1)
	b=$(mkrand 1)
	put "$a" "$d" "$at"
	eq "$(sha_direct "$dm" "$at" $MIB)" "$(sha "$a")" \
	   "$what: written by loopx, read by dm-crypt"
	put "$b" "$dm" $((at + MIB))
	eq "$(sha_direct "$d" $((at + MIB)) $MIB)" "$(sha "$b")" \
	   "$what: written by dm-crypt, read by loopx"
	[ "$(sha "$f" $((off + at)) $MIB)" != "$(sha "$a")" ] ||
		fail "$what: the plain text is in the file"
	rm -f "$a" "$b"
}
