// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of kernel/logic.c: the arithmetic and validation that
 * decide device sizes and which requests from userspace are refused.
 */
#include <limits.h>
#include <string.h>

#include "tap.h"
#include "logic.h"

static void test_span(void)
{
	CHECK(loopx_span_bytes(1000, 0, 0) == 1000, "whole file");
	CHECK(loopx_span_bytes(1000, 200, 0) == 800, "offset shortens");
	CHECK(loopx_span_bytes(1000, 200, 300) == 300, "sizelimit caps");
	CHECK(loopx_span_bytes(1000, 200, 5000) == 800,
	      "sizelimit past the end is the end");
	CHECK(loopx_span_bytes(1000, 1000, 0) == 0, "offset at the end");
	CHECK(loopx_span_bytes(1000, 4000, 0) == 0, "offset past the end");
	CHECK(loopx_span_bytes(0, 0, 0) == 0, "empty file");
}

static void test_capacity(void)
{
	CHECK(loopx_capacity_sectors(1 << 20, 0, 0, 512) == 2048, "1 MiB");
	CHECK(loopx_capacity_sectors(1000, 0, 0, 512) == 1,
	      "partial sector dropped");
	CHECK(loopx_capacity_sectors(10000, 0, 0, 4096) == 16,
	      "partial 4K block dropped: 8192 bytes");
	CHECK(loopx_capacity_sectors(1 << 20, 512, 0, 4096) == 255 * 8,
	      "offset then 4K rounding");
	CHECK(loopx_capacity_sectors(1ULL << 40, 0, 4096, 512) == 8,
	      "sizelimit in sectors");
}

static void test_block_size(void)
{
	CHECK(loopx_check_block_size(512, 4096) == 0, "512 ok");
	CHECK(loopx_check_block_size(1024, 4096) == 0, "1024 ok");
	CHECK(loopx_check_block_size(4096, 4096) == 0, "4096 ok");
	CHECK(loopx_check_block_size(1000, 4096) == -EINVAL, "1000 refused");
	CHECK(loopx_check_block_size(8192, 4096) == -EINVAL,
	      "8192 refused on 4K pages");
	CHECK(loopx_check_block_size(256, 4096) == -EINVAL, "256 refused");
	CHECK(loopx_check_block_size(0, 4096) == -EINVAL, "0 refused");
	CHECK(loopx_check_block_size(3 * 512, 4096) == -EINVAL,
	      "1536 refused");
}

static void test_info(void)
{
	struct loop_info64 info;

	memset(&info, 0, sizeof(info));
	CHECK(loopx_check_info(&info) == 0, "zero info valid");
	info.lo_encrypt_type = LO_CRYPT_XOR;
	CHECK(loopx_check_info(&info) == 0, "XOR left to its transform");
	info.lo_encrypt_type = LO_CRYPT_CRYPTOAPI;
	CHECK(loopx_check_info(&info) == 0, "cryptoapi left to its transform");
	info.lo_encrypt_type = MAX_LO_CRYPT;
	CHECK(loopx_check_info(&info) == -EINVAL, "type out of range");
	info.lo_encrypt_type = 0;
	info.lo_encrypt_key_size = LO_KEY_SIZE + 1;
	CHECK(loopx_check_info(&info) == -EINVAL, "key size too big");
	info.lo_encrypt_key_size = 0;
	info.lo_offset = (__u64)LLONG_MAX + 1;
	CHECK(loopx_check_info(&info) == -EOVERFLOW, "offset overflow");
	info.lo_offset = 0;
	info.lo_sizelimit = ~0ULL;
	CHECK(loopx_check_info(&info) == -EOVERFLOW, "sizelimit overflow");
}

static void test_config(void)
{
	struct loop_config config;

	memset(&config, 0, sizeof(config));
	CHECK(loopx_check_config(&config, 4096) == 0, "zero config valid");
	config.info.lo_flags = LOOP_CONFIGURE_SETTABLE_FLAGS;
	CHECK(loopx_check_config(&config, 4096) == 0, "all settable flags");
	config.info.lo_flags = 1U << 7;
	CHECK(loopx_check_config(&config, 4096) == -EINVAL, "unknown flag");
	config.info.lo_flags = 0;
	config.__reserved[7] = 1;
	CHECK(loopx_check_config(&config, 4096) == -EINVAL,
	      "reserved word set");
	config.__reserved[7] = 0;
	config.block_size = 1000;
	CHECK(loopx_check_config(&config, 4096) == -EINVAL, "bad block size");
	config.block_size = 4096;
	CHECK(loopx_check_config(&config, 4096) == 0, "4K block size");
	config.info.lo_encrypt_type = ~0U;
	CHECK(loopx_check_config(&config, 4096) == -EINVAL,
	      "encryption type out of range");
}

static void test_status_flags(void)
{
	CHECK(loopx_status_flags(LO_FLAGS_READ_ONLY, LO_FLAGS_AUTOCLEAR) ==
	      (LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR),
	      "autoclear set, read-only kept");
	CHECK(loopx_status_flags(LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR, 0) ==
	      LO_FLAGS_READ_ONLY,
	      "autoclear cleared, read-only cannot be cleared");
	CHECK(loopx_status_flags(0, LO_FLAGS_READ_ONLY | LO_FLAGS_DIRECT_IO) == 0,
	      "read-only and dio cannot be set this way");
	CHECK(loopx_status_flags(LO_FLAGS_PARTSCAN, 0) == LO_FLAGS_PARTSCAN,
	      "partscan cannot be cleared");
	CHECK(loopx_status_flags(0, (1U << 9) | (1U << 5) | LO_FLAGS_PARTSCAN) ==
	      LO_FLAGS_PARTSCAN, "unknown bits ignored, as loop does");
}

static void test_old_info(void)
{
	struct loop_info64 info, back;
	struct loop_info old;

	memset(&info, 0, sizeof(info));
	info.lo_number = 3;
	info.lo_device = 0x801;
	info.lo_inode = 12;
	info.lo_offset = 4096;
	info.lo_sizelimit = 8192;
	info.lo_flags = LO_FLAGS_AUTOCLEAR;
	strcpy((char *)info.lo_file_name, "/img");
	strcpy((char *)info.lo_crypt_name, "aes");
	CHECK(loopx_info_to_old(&info, &old) == 0, "narrowing fits");
	CHECK(old.lo_number == 3 && old.lo_offset == 4096 &&
	      old.lo_flags == LO_FLAGS_AUTOCLEAR &&
	      !strcmp(old.lo_name, "/img"), "fields narrowed");
	loopx_info_from_old(&old, &back);
	CHECK(back.lo_offset == 4096 && back.lo_sizelimit == 0 &&
	      !strcmp((char *)back.lo_file_name, "/img") &&
	      back.lo_crypt_name[0] == 0,
	      "widened: no sizelimit and no cipher in the legacy struct");
	info.lo_offset = 1ULL << 33;
	CHECK(loopx_info_to_old(&info, &old) == -EOVERFLOW,
	      "offset past 2 GiB does not fit");
}

static void test_dio_aligned(void)
{
	CHECK(loopx_dio_aligned(0, 512, 512), "aligned");
	CHECK(!loopx_dio_aligned(512, 4096, 4096), "offset misaligned");
	CHECK(!loopx_dio_aligned(0, 512, 4096), "block size too small");
	CHECK(loopx_dio_aligned(8192, 4096, 4096), "4K aligned");
	CHECK(!loopx_dio_aligned(0, 512, 0), "unknown alignment");
	CHECK(!loopx_dio_aligned(0, 512, 768), "alignment not a power of 2");
}

int main(void)
{
	test_span();
	test_capacity();
	test_block_size();
	test_info();
	test_config();
	test_status_flags();
	test_old_info();
	test_dio_aligned();
	return tap_done();
}
