#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 08 fuzz: fuzz.c throws random ioctls (100,000 long, 20,000 short) at
# eight devices, their partitions and the control node from four threads,
# while one thread does I/O and one opens and closes devices.  Afterwards:
# everything can be cleared, the refcount is 0, a device works (attach,
# write, read back, detach), every device can be removed, the module
# unloads, the slab caches hold no more than after a warm-up cycle, and
# the bind mount the backing files are reached through unmounts, which it
# would not with a file reference leaked (the runner fails the scenario on
# any splat or hung task).
# LOOPX_SEED=N repeats a run.
# timeout: 900
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need sfdisk

calls=$(pick 100000 20000)
seed=${LOOPX_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
slack=64

# Backing files for the fuzzer: random data of two sizes, empty, a size
# that is not a sector multiple, and a GPT image (so PARTSCAN finds
# partitions).
mkdir "$WORK/files"
mnt "$WORK/files" "$WORK/fs" --bind
fz=$WORK/fs
head -c 1M /dev/urandom >"$fz/r1"
head -c 4M /dev/urandom >"$fz/r4"
: >"$fz/empty"
printf 'odd' >"$fz/odd"
truncate -s 16M "$fz/gpt"
printf 'label: gpt\nsize=2MiB\nsize=2MiB\nsize=4MiB\nsize=4MiB\n' |
	sfdisk -q "$fz/gpt" >/dev/null || fail "sfdisk"

# Warm-up cycle, then the baseline with the module unloaded.  The warm-up
# binds once with each cipher the fuzzer names, so that the crypto modules
# they load (with their /sys/module entries) are there before the baseline.
load_driver || fail "insmod"
"$LXCTL" configure "$(dev 0)" "$fz/r1" >/dev/null || fail "warm-up configure"
"$LXCTL" clr-fd "$(dev 0)" >/dev/null
key=$(printf '%064d' 0)
for c in aes-xts-plain64 aes-cbc-essiv:sha256 aes-cbc-plain; do
	"$LXCTL" configure "$(dev 0)" "$fz/r1" --encrypt-type 18 \
		--crypt-name "$c" --key "$key" >/dev/null ||
		fail "warm-up configure with $c"
	"$LXCTL" clr-fd "$(dev 0)" >/dev/null
done
rmmod loopx || fail "warm-up rmmod"
slab_snapshot "$WORK/slab.base"

load_driver || fail "insmod"
out=$("$ST/fuzz" "$calls" "$fz" --threads 6 --maxdev 8 --seed "$seed") || true
echo "$out"
line=$(grep '^fuzz:' <<<"$out") || fail "fuzz printed no counters (seed $seed)"
add_counts "$line"
count rounds 1

# Clear everything: stacked devices go in more than one pass (the lower
# one is busy until the upper one lets go of it).
for ((i = 0; i < 20; i++)); do
	compgen -G "/sys/block/loopx*/loop" >/dev/null || break
	detach_all
	sleep 0.2
done
left=$(compgen -G "/sys/block/loopx*/loop" || true)
[ -z "$left" ] || bad "still bound after clearing: $left"
refcnt=$(cat /sys/module/loopx/refcnt)
[ "$refcnt" = 0 ] || bad "module refcount $refcnt after the fuzzing"

# The driver still does its job.
d=$(dev 3)
[ -b "$d" ] || "$LXCTL" ctl-add 3 >/dev/null
img=$WORK/check.img
truncate -s 8M "$img"
out=$("$LXCTL" configure "$d" "$img") || bad "configure after fuzzing: $out"
out=$("$STIO" write "$d" 0 8388608 99 --direct --fsync) || bad "write after fuzzing: $out"
out=$("$STIO" verify "$d" 0 8388608 99) || bad "read back after fuzzing: $out"
out=$("$STIO" detach "$d") || bad "detach after fuzzing: $out"
out=$("$STIO" verify "$img" 0 8388608 99) || bad "backing file after fuzzing: $out"

for s in /sys/block/loopx[0-9]*; do
	[ -e "$s" ] || continue
	out=$("$LXCTL" ctl-remove "${s##*/loopx}" 2>&1) || true
	[ "${out%% *}" = ok ] || bad "ctl-remove ${s##*/loopx} after fuzzing: $out"
done
rmmod loopx || bad "rmmod after fuzzing"
slab_snapshot "$WORK/slab.end"
if ! grew=$(slab_compare "$WORK/slab.base" "$WORK/slab.end" "$slack"); then
	bad "slab objects grew over the fuzzing (slack $slack): $grew"
fi
out=$(umount "$fz" 2>&1) ||
	bad "the backing files' bind mount is still busy after rmmod (a leaked file reference?): $out"
note "seed $seed"
finish
