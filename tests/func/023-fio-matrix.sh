#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 900
#
# fio --verify over the data path's combinations: buffered and direct I/O,
# logical blocks of 512 and 4096 bytes, with and without an offset (and a
# sizelimit), two jobs pinned to different CPUs so requests arrive on two
# hardware queues at once. Each combination writes and checks, is
# re-attached and checked again (the data really is in the file), and the
# bytes of the file outside the device's window must still be zero.
. "$(dirname "$0")/lib.sh"
need fio
# It sets buffered or direct I/O itself, so the native family's run covers
# compat's data path too.
[ "${LOOPX_LEAN:-0}" = 0 ] || skip "lean run: sets its modes itself, as in the native family"

ncpu=$(nproc)
half=16
win=$((2 * half << 20))
checked=0
for mode in off on; do
	for bs in 512 4096; do
		for off in 0 $((1 << 20 | 4096)); do
			f=$(mkimg $((win + off + (1 << 20))) "m-$mode-$bs-$off")
			opts=(--direct-io="$mode" -b "$bs" -o "$off"
			      --sizelimit "$win")
			d=$(attach "${opts[@]}" "$f")
			eq "$(sysattr "$d" queue/logical_block_size)" "$bs" \
			   "logical block size ($mode $bs $off)"
			eq "$(devsize "$d")" "$win" "size ($mode $bs $off)"
			[ "$mode" = off ] &&
				eq "$(sysattr "$d" loop/dio)" 0 "dio off"
			# with --direct-io=on, dio may still be refused (the
			# file's alignment); loop/dio_reason says why
			note "$mode bs=$bs offset=$off: dio=$(sysattr "$d" loop/dio)" \
			     "$(sysattr "$d" loop/dio_reason)"
			fio_args=(--numjobs=2 --size="${half}M"
				  --offset_increment="${half}M"
				  --bsrange="$bs-64k" --blockalign="$bs"
				  --cpus_allowed=0-$((ncpu - 1))
				  --cpus_allowed_policy=split)
			fio_verify "$d" 1 "${fio_args[@]}"
			fio_verify "$d" 0 "${fio_args[@]}" --randseed=77
			"$LX" -d "$d"
			d=$(attach "${opts[@]}" "$f")
			fio_verify "$d" 1 "${fio_args[@]}" --randseed=77 \
				--verify_only
			"$LX" -d "$d"
			# nothing outside [offset, offset + sizelimit)
			eq "$(sha "$f" 0 "$off")" "$(sha_zero "$off")" \
			   "before the offset ($mode $bs $off)"
			eq "$(sha "$f" $((off + win)))" "$(sha_zero $((1 << 20)))" \
			   "after the sizelimit ($mode $bs $off)"
			checked=$((checked + 1))
		done
	done
done
eq "$checked" 8 "combinations checked"
pass
