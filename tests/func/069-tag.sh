#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A binding's tag: set with the binding through LOOPX_CTL_CONFIGURE (the
# CLI's --tag, lxctl ctl-configure) and LOOPX_IOC_CONFIGURE (xconfigure),
# shown in sysfs loopx/tag, the TAG column and --json, found by
# LOOPX_CTL_LOOKUP with LOOPX_LOOKUP_TAG and by loopx --tag, gone with the
# detach. A tag of 256 bytes is kept whole; 257 bytes, a NUL or a newline
# in it, and reserved words are EINVAL and bind nothing; the CLI says why
# before it asks.
. "$(dirname "$0")/lib.sh"
is_loopx || skip "loopx's own ioctls"

f=$(mkimg 16M one)
g=$(mkimg 16M two)
h=$(mkimg 16M three)
bad=$(mkimg 16M bad)

d1=$(attach --tag web-1 "$f")
i1=$(devidx "$d1")
eq "$(sysattr "$d1" loopx/tag)" "web-1" "sysfs tag of $d1"
out=$(lxctl ctl-configure -1 "$g" --tag web-1) || fail "ctl-configure: $out"
i2=${out#ok }
d2=$(dev "$i2")
d3=$(free_dev)
i3=$(devidx "$d3")
lxctl xconfigure "$d3" "$h" --tag db >/dev/null || fail "xconfigure $d3"
eq "$(sysattr "$d3" loopx/tag)" "db" "sysfs tag of $d3 (LOOPX_IOC_CONFIGURE)"
d4=$(attach "$bad")
eq "$(sysattr "$d4" loopx/tag)" "" "sysfs tag of an untagged binding"

want="count 2: $i1 $i2"
[ "$i1" -lt "$i2" ] || want="count 2: $i2 $i1"
eq "$(lxctl ctl-lookup --tag web-1)" "$want" "lookup of web-1"
eq "$(lxctl ctl-lookup --tag db)" "count 1: $i3" "lookup of db"
eq "$(lxctl ctl-lookup --tag web)" "count 0:" "lookup of a prefix"
eq "$(lxctl ctl-lookup --tag nobody)" "count 0:" "lookup of an unused tag"

# loopx --tag lists the two, from the index; -j with --tag narrows it
out=$("$LX" --tag web-1)
eq "$(echo "$out" | grep -c .)" 2 "loopx --tag web-1 lines: $out"
echo "$out" | grep -q "^$d1: " || fail "loopx --tag does not list $d1: $out"
echo "$out" | grep -q "^$d2: " || fail "loopx --tag does not list $d2: $out"
out=$("$LX" -j "$f" --tag web-1)
eq "$(echo "$out" | grep -c .)" 1 "loopx -j FILE --tag lines: $out"
[ -z "$("$LX" -j "$h" --tag web-1)" ] || fail "-j $h --tag web-1 lists a device"
eq "$("$LX" -l -n -O TAG "$d3" | tr -d ' ')" "db" "TAG column"
"$LX" -l -J -O NAME,TAG "$d1" | grep -Eq '"tag": *"web-1"' ||
	fail "--json has no tag: $("$LX" -l -J -O NAME,TAG "$d1")"
if command -v strace >/dev/null; then
	strace -f -e trace=ioctl -o "$WORK/strace" "$LX" --tag db >/dev/null ||
		fail "strace loopx --tag"
	grep -q "0x4c, 0x43" "$WORK/strace" ||
		fail "loopx --tag did not ask LOOPX_CTL_LOOKUP: $(cat "$WORK/strace")"
fi

# the longest tag is kept whole
long=$(printf 'x%.0s' {1..256})
out=$(lxctl ctl-configure -1 "$bad" --tag "$long") || fail "256-byte tag: $out"
d5=$(dev "${out#ok }")
eq "$(sysattr "$d5" loopx/tag)" "$long" "sysfs of a 256-byte tag"
eq "$(lxctl ctl-lookup --tag "$long")" "count 1: ${out#ok }" \
   "lookup of a 256-byte tag"
"$LX" -d "$d5" || fail "detach $d5"

# what no binding can carry binds nothing
expect_errno EINVAL lxctl ctl-configure -1 "$bad" --tag "x$long"
expect_errno EINVAL lxctl ctl-configure -1 "$bad" --tag "$(printf 'a\nb')"
expect_errno EINVAL lxctl ctl-configure -1 "$bad" --tag abc --tag-len 4
expect_errno EINVAL lxctl ctl-configure -1 "$bad" --tag abc --ext-reserved
d6=$(free_dev)
expect_errno EINVAL lxctl xconfigure "$d6" "$bad" --tag "x$long"
expect_errno EINVAL lxctl xconfigure "$d6" "$bad" --tag abc --ext-reserved
! bound "$d6" || fail "$d6 bound by a refused tag"
eq "$("$LX" -j "$bad" | grep -c .)" 1 "devices on $bad after the refusals"
expect_errno EINVAL lxctl ctl-lookup --tag "x$long"
expect_errno EINVAL lxctl ctl-lookup --tag abc --tag-len 0
expect_errno EINVAL lxctl ctl-lookup --tag abc --tag-len 4
# LOOPX_LOOKUP_TAG with a file's numbers too, and no tag
expect_errno EINVAL lxctl ctl-lookup "$f" --flags 1
# the tag is the binding's: sysfs only shows it
if echo other 2>/dev/null >"$(sysblk "$i1")/loopx/tag"; then
	fail "loopx/tag of $d1 took a write"
fi
eq "$(sysattr "$d1" loopx/tag)" "web-1" "sysfs tag after a refused write"

# the CLI says why before asking
for t in "" "x$long" "$(printf 'a\nb')"; do
	if out=$("$LX" -f --tag "$t" "$bad" 2>&1); then
		fail "loopx --tag '$t' succeeded: $out"
	fi
	echo "$out" | grep -q -- "--tag: a tag" ||
		fail "loopx --tag '$t': no reason given: $out"
done
out=$("$LX" -d "$d4" --tag x 2>&1) && fail "loopx -d --tag succeeded"
echo "$out" | grep -q -- "--tag is allowed only" ||
	fail "loopx -d --tag: $out"
bound "$d4" || fail "$d4 detached by a refused command line"

"$LX" -d "$d1" "$d2" "$d3" "$d4" || fail "detach"
eq "$(lxctl ctl-lookup --tag web-1)" "count 0:" "lookup after the detach"
eq "$(lxctl ctl-lookup --tag db)" "count 0:" "lookup of db after the detach"
eq "$(sysattr "$d1" loopx/tag)" "" "sysfs tag after the detach"
[ -z "$("$LX" --tag web-1)" ] || fail "loopx --tag lists after the detach"
# a new binding of the device does not inherit the tag
d7=$(attach "$f")
eq "$(sysattr "$d7" loopx/tag)" "" "sysfs tag of the next binding"
"$LX" -d "$d7" || fail "detach $d7"
pass
