#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A transform from another module (tests/xfer, built by make xfertest)
# registers through loopx_register_transfer(): a device bound with its type
# reads and writes through it, and holds its module, whose unload is
# refused while the device is bound and works after the detach; then the
# type is unknown again (EINVAL).
. "$(dirname "$0")/lib.sh"
is_family loopx || skip "transforms are native mode only"
need python3

xko=$REPO/build/xfertest/$(uname -r)/loopx_xfer_test.ko
[ -f "$xko" ] || fail "no $xko: run make xfertest for $(uname -r)"
# the test module holds loopx: it must go before the driver can
trap 'rc=$?; release_all; rmmod loopx_xfer_test 2>/dev/null || true; (exit $rc); cleanup' EXIT
insmod "$xko" || fail "insmod $xko"

# sub_ref IN N: IN with N subtracted from every byte, as the device reads it
sub_ref() {
	python3 -c '
import sys
n = int(sys.argv[2])
table = bytes((i - n) % 256 for i in range(256))
sys.stdout.buffer.write(open(sys.argv[1], "rb").read().translate(table))
' "$1" "$2"
}

f=$(mkrand 2)
d=$(free_dev)
expect_errno ok lxctl configure "$d" "$f" --encrypt-type 9 --key 05
sub_ref "$f" 5 >"$WORK/ref"
eq "$(sha_direct "$d")" "$(sha "$WORK/ref")" "read through the module's transform"
eq "$(sysattr "$d" loop/encryption)" test-add "sysfs encryption"
eq "$(cat /sys/module/loopx_xfer_test/refcnt)" 1 "the module's references"
if rmmod loopx_xfer_test 2>/dev/null; then
	fail "the transform's module unloaded under a bound device"
fi
eq "$(sha_direct "$d")" "$(sha "$WORK/ref")" "read after the refused unload"
expect_errno ok lxctl clr-fd "$d"
eq "$(cat /sys/module/loopx_xfer_test/refcnt)" 0 "references after detach"
rmmod loopx_xfer_test || fail "rmmod after the detach"
expect_errno EINVAL lxctl configure "$d" "$f" --encrypt-type 9 --key 05
bound "$d" && fail "$d bound with an unregistered type"
pass
