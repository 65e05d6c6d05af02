#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# With max_part=15 every device scans partitions, with or without -P
# (partscan reads 1), and partitions take the minors right after their
# disk's (disk minor = index * 16); detach removes them.  With the default
# max_part=0 and -P, partitions still work (extended minors).
# Reloads the driver; the cleanup loads it with defaults again.
. "$(dirname "$0")/lib.sh"
need sfdisk

f=$(mkimg 64M)
mkparts "$f" dos
mapfile -t parts < <(expected_parts "$f")

d=$(attach -P "$f")
check_parts "$d" "${parts[@]}"
"$LX" -d "$d"

reload_driver max_part=15
eq "$(cat "/sys/module/$MODNAME/parameters/max_part")" 15 "max_part parameter"
d=$(attach "$f")
eq "$(sysattr "$d" loop/partscan)" 1 "partscan with max_part=15"
check_parts "$d" "${parts[@]}"
eq "$(sysattr "$d" range)" 16 "minor range"
IFS=: read -r maj min <"$(sysof "$d")/dev"
eq "$min" $(($(devidx "$d") * 16)) "minor of $d"
for i in 1 2 3 4; do
	eq "$(cat "$(sysof "$d")/${d##*/}p$i/dev")" "$maj:$((min + i))" "dev of p$i"
done
"$LX" -d "$d"
no_parts "$d"

# A second device gets its own minor range.
d=$(attach -P "$f")
d2=$(attach -P "$f")
check_parts "$d2" "${parts[@]}"
IFS=: read -r _ min2 <"$(sysof "$d2")/dev"
eq "$min2" $(($(devidx "$d2") * 16)) "minor of $d2"
pass
