#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-log.sh LOG - scan a loopx VM console log for kernel trouble.
#
# Prints every offending line (with its line number) and a final summary,
# "vm: kernel log clean" or "vm: kernel log has N problem line(s)".
# Exit 0 when clean, 1 when problems were found, 2 on usage errors.
#
# Only kernel messages are judged: the VM boots with printk.time=1, so every
# kernel line carries a "[ 12.345678]" stamp, which lets a test print e.g.
# "WARNING: skipped" on the same console without failing the run.  The stamp
# is matched anywhere in a line because printk output can land in the middle
# of a half-written line of test output.
set -eu

if [ $# -ne 1 ] || [ ! -r "$1" ]; then
	echo "usage: check-log.sh LOG" >&2
	exit 2
fi
log=$1

stamp='\[ *[0-9]+\.[0-9]+\]'
bad=(
	# generic splats
	'WARNING:' 'BUG:' 'Oops' 'general protection' 'kernel BUG at'
	'RIP:' 'Kernel panic' 'list_add corruption' 'list_del corruption'
	# stuck I/O and CPUs (guest-init sets hung_task_timeout_secs=60)
	'blocked for more than' 'hung_task' 'detected stall'
	# slub_debug=FZPU reports: "BUG <cache> (<taint>): <what>", then details
	'[Ss][Ll][Uu][Bb]' 'BUG [^ ]+ \(.*\): ' 'Redzone' 'Poison overwritten'
	'Object padding' 'Padding overwritten' 'Freepointer corrupt'
	'Freechain corrupt' 'Object already free'
)
# Harmless kernel lines that mention a pattern above (only seen if a test
# dumps the full dmesg, as the console runs at loglevel 5).
benign=(
	'(Kernel c|C)ommand line: '
	'SLUB: HWalign='
)

join() { local IFS='|'; echo "$*"; }
# Colour escapes (dmesg on a tty) are dropped first so they cannot split
# a pattern.
problems=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" |
	grep -naE "${stamp}.*($(join "${bad[@]}"))" |
	grep -vE "$(join "${benign[@]}")" || true)

if [ -z "$problems" ]; then
	echo "vm: kernel log clean"
	exit 0
fi
echo "$problems"
echo "vm: kernel log has $(echo "$problems" | wc -l) problem line(s)"
exit 1
