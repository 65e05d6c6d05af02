/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transfer functions of loopx: transforms that every block goes through
 * between the device and its backing file, selected by the lo_encrypt_type
 * of <linux/loop.h>. loopx itself registers XOR and CRYPTOAPI; another
 * module may register its own type with loopx_register_transfer().
 */
#ifndef _LINUX_LOOPX_TRANSFER_H
#define _LINUX_LOOPX_TRANSFER_H

#include <linux/list.h>
#include <linux/loop.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/types.h>

/* Unit numbers count 512 bytes, and data units are multiples of that. */
#define LOOPX_XFER_UNIT		512

/* The longest key a transform is given (AES-256-XTS). */
#define LOOPX_XFER_KEY_MAX	64

/**
 * struct loopx_xfer_params - what a transform is set up with
 * @name: the cipher name the caller gave (lo_crypt_name), NUL-terminated
 * @key: the key bytes; the caller wipes them once @init has returned
 * @key_size: bytes in @key, at most LOOPX_XFER_KEY_MAX
 * @unit_size: the data unit, LOOPX_XFER_UNIT or 4096: @crypt is only
 *	called on whole data units, aligned to their size
 * @iv_offset: added to @unit before the IV is made from it, in 512-byte
 *	units (dm-crypt's <iv_offset>)
 * @iv_large: the IV counts data units, not 512-byte units (dm-crypt's
 *	iv_large_sectors)
 */
struct loopx_xfer_params {
	const char *name;
	const u8 *key;
	unsigned int key_size;
	unsigned int unit_size;
	u64 iv_offset;
	bool iv_large;
};

/**
 * struct loopx_transfer - one transform type
 * @type: the lo_encrypt_type that selects it; a type has one owner
 * @name: what sysfs shows as a device's encryption; NULL for a transform
 *	that takes a cipher name in lo_crypt_name, which is shown instead
 * @owner: THIS_MODULE; every device that uses the transform holds a
 *	reference, so the module cannot go while a device uses it
 * @init: set the transform up for one device; may sleep. Returns the
 *	state that the other methods get, or an ERR_PTR(): -EINVAL for a
 *	key, name or data unit it does not take. @init must keep only what
 *	it needs of the key.
 * @release: free the state, wiping any key material in it; may sleep
 * @crypt: encrypt (@encrypt true, towards the file) or decrypt @len bytes,
 *	whole data units, from @src at @src_off to @dst at @dst_off, both
 *	ranges within one page; @src and @dst may be the same range. @unit
 *	is the number of the first byte's 512-byte unit, counted from the
 *	device's first byte. Runs in process context, may sleep, and must
 *	make progress under memory pressure (no GFP_KERNEL allocation).
 *	Returns 0 or a negative errno, which fails the request.
 * @list: in loopx's list of transforms, owned by loopx
 */
struct loopx_transfer {
	int type;
	const char *name;
	struct module *owner;
	void *(*init)(const struct loopx_xfer_params *params);
	void (*release)(void *state);
	int (*crypt)(void *state, bool encrypt, struct page *dst,
		     unsigned int dst_off, struct page *src,
		     unsigned int src_off, unsigned int len, u64 unit);
	struct list_head list;
};

int loopx_register_transfer(struct loopx_transfer *xfer);
void loopx_unregister_transfer(struct loopx_transfer *xfer);

#endif /* _LINUX_LOOPX_TRANSFER_H */
