#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 030-part-gpt with an MBR (dos) label and four primary partitions.
PART_LABEL=dos exec bash "$(dirname "$0")/030-part-gpt.sh"
