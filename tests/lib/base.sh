# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The base that both guest suites share (tests/func/lib.sh and
# tests/stress/lib.sh source it, and so do their runners): where the tree
# and the tools are, which module to load on the running kernel, how a
# device's sysfs directory is found, and the one list of kernel messages
# that fail a test or a scenario.  Each suite keeps its own checks on top.

# Used by the files that source this one.
# shellcheck disable=SC2034
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034
SCRATCH=${LOOPX_SCRATCH:-/scratch}
LXCTL=$REPO/tests/helpers/lxctl
# The project's CLI speaks to whichever control node exists, so it serves
# every family.  LOOPX_CLI may point elsewhere (e.g. losetup, to compare).
# shellcheck disable=SC2034
LX=${LOOPX_CLI:-$REPO/cli/loopx}

# The module built for the running kernel: kernel/loopx.ko for the default
# (6.1) kernel, build/kmod/<version>/kernel/loopx.ko for any other (see the
# Makefile).  LOOPX_KO overrides, e.g. with a frozen copy while kernel/ is
# being edited.
KO=$REPO/build/kmod/$(uname -r)/kernel/loopx.ko
[ -f "$KO" ] || KO=$REPO/kernel/loopx.ko
KO=${LOOPX_KO:-$KO}

# Kernel messages that mean the driver (or the kernel under it) broke: the
# runners grep the kernel log with it after every test and scenario, on top
# of tests/vm/check-log.sh's verdict on the whole console.
# shellcheck disable=SC2034
SPLAT='WARNING:|BUG:|Oops|general protection|corruption|blocked for more than|kernel BUG|Call Trace|hung_task|Poison overwritten|Redzone|Object already free'

# /sys/block/<name> of a device path.
sysof() { echo "/sys/block/${1##*/}"; }

# Whether a loop or loopx device has a backing file.
bound() { [ -d "$(sysof "$1")/loop" ]; }
