#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# 040-ext4 with XFS (mkfs.xfs, xfs_repair -n), 512-byte and 4 KiB blocks.
FS_TYPE=xfs exec bash "$(dirname "$0")/040-ext4.sh"
