#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 06 nfs, the lloop case: the backing file lives on NFS served by the
# kernel nfsd of the same guest over loopback, so loopx's writes go
# through the NFS client and back into the server.  Rounds (6 long, 2
# short) alternate direct and buffered I/O on the backing side: attach,
# fio --verify on the raw device, mkfs.ext4, fio --verify on a file in it,
# unmount, detach, then e2fsck -fn on the file straight over NFS.
# Needs nfs-kernel-server (rpc.nfsd, rpc.mountd, exportfs; it pulls in
# nfs-common for mount.nfs and rpcbind): skipped without it.
# timeout: 900
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for c in rpc.nfsd rpc.mountd exportfs rpcbind mount.nfs; do
	command -v "$c" >/dev/null ||
		skip "$c missing: scripts/deps.sh needs nfs-kernel-server (and nfs-common, rpcbind)"
done
need fio mkfs.ext4 e2fsck ip

rounds=$(pick 6 2)
EXP=$WORK/export
NFS=$WORK/nfs
FS=$WORK/fs

# shellcheck disable=SC2317 # called by lib.sh's cleanup
CLEANUP() {
	umount "$FS" 2>/dev/null
	detach_all
	umount -f "$NFS" 2>/dev/null
	exportfs -ua 2>/dev/null
	rpc.nfsd 0 2>/dev/null
	# rpc.mountd and rpcbind are in PIDS: lib.sh stops them after this
}

# The guest has no network, only lo, and no init to start the NFS server:
# bring up what nfs-kernel-server's units would.
ip link set lo up
modprobe nfsd || skip "no nfsd module"
mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
mkdir -p /run/rpcbind /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery
# In the foreground, so that their pids are ours to stop.
rpcbind -f -w &
PIDS+=($!)
sleep 1
mkdir -p "$EXP" "$NFS" "$FS"
exportfs -o rw,no_root_squash,insecure,no_subtree_check,fsid=1 "127.0.0.1:$EXP" ||
	fail "exportfs"
rpc.mountd -F &
PIDS+=($!)
sleep 1
rpc.nfsd 4 || fail "rpc.nfsd"
# v3 without locking: lockd and statd add nothing to what is tested here
mount -t nfs -o vers=3,nolock,proto=tcp "127.0.0.1:$EXP" "$NFS" ||
	fail "mount over NFS"
MOUNTS+=("$NFS")
load_driver || fail "insmod"

# fio_verify TARGET SIZE: write then verify, all errors fatal.
fio_verify() {
	fio --name=nfs --filename="$1" --size="$2" --rw=randwrite \
		--bsrange=4k-64k --ioengine=libaio --iodepth=8 --direct=1 \
		--verify=crc32c --verify_fatal=1 --randseed=$r \
		>"$WORK/fio.out" 2>&1 && grep -q 'err= 0' "$WORK/fio.out"
}

for ((r = 1; r <= rounds; r++)); do
	flags=$(((r % 2) ? 16 : 0))
	img=$NFS/img$r
	truncate -s 256M "$img"
	d=$(dev 0)
	out=$(bind_file "$d" "$img" $flags) ||
		fail "round $r: configure on NFS: $out"
	note "round $r: dio=$(cat "$(sysof "$d")/loop/dio") ($(cat "$(sysof "$d")/loop/dio_reason"))"
	count calls
	fio_verify "$d" 48M || {
		bad "round $r: fio on the raw device over NFS"
		grep -iE 'err|verify' "$WORK/fio.out" | head -n 5 >&2
	}
	count calls
	mkfs.ext4 -q -F "$d" || bad "round $r: mkfs.ext4 over NFS"
	mount "$d" "$FS" || fail "round $r: mount ext4 over NFS"
	MOUNTS+=("$FS")
	fio_verify "$FS/file" 64M || {
		bad "round $r: fio in ext4 over NFS"
		grep -iE 'err|verify' "$WORK/fio.out" | head -n 5 >&2
	}
	count calls
	umount "$FS" || bad "round $r: umount"
	out=$("$STIO" detach "$d") || bad "round $r: detach: $out"
	count calls
	# the detach flushed everything: the file over NFS is a clean ext4
	e2fsck -fn "$img" >/dev/null 2>&1 || bad "round $r: e2fsck on the file after detach"
	rm -f "$img"
	count rounds
done
finish
