#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Errors of the backing file reach the writer: a sparse file on a 4 MiB
# tmpfs behind a 16 MiB device runs out of space, and the write through
# the device fails with ENOSPC (not success, not a hang); what fitted
# reads back intact.  Before Linux 6.6 tmpfs has no O_DIRECT, so the device
# must then work buffered (and loopx says why in loop/dio_reason); where
# tmpfs takes O_DIRECT (6.12), direct I/O may be on.
. "$(dirname "$0")/lib.sh"

mkdir "$WORK/small"
mount -t tmpfs -o size=4m tmpfs "$WORK/small" || fail "mount tmpfs"
MOUNTS+=("$WORK/small")
f=$WORK/small/img
tmpfs_dio=0
dd if=/dev/zero of="$f" bs=4k count=1 oflag=direct status=none 2>/dev/null &&
	tmpfs_dio=1
rm -f "$f"
truncate -s 16M "$f"
d=$(attach "$f")
[ "$tmpfs_dio" = 1 ] || eq "$(sysattr "$d" loop/dio)" 0 "dio on tmpfs"
note "tmpfs takes O_DIRECT: $tmpfs_dio, loop/dio: $(sysattr "$d" loop/dio)"
pat=$(mkrand 2)
dd if="$pat" of="$d" bs=1M oflag=direct status=none || fail "writing 2 MiB"
out=$(dd if=/dev/zero of="$d" bs=1M seek=2 count=8 oflag=direct 2>&1) &&
	fail "writing 8 MiB more to a 4 MiB tmpfs succeeded"
note "write error: ${out##*: }"
echo "$out" | grep -q "No space left on device" ||
	{ is_family loop && skip "stock loop reports: $out"; } ||
	fail "expected ENOSPC, got: $out"
eq "$(sha_direct "$d" 0 $((2 << 20)))" "$(sha "$pat")" "data that fitted"
pass
