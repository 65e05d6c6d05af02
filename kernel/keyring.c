// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct loopx_crypt: the key from the kernel keyring, named the way
 * dm-crypt names it (":<size>:logon:<description>"), and the data unit and
 * IV settings that struct loop_info64 has no room for. A logon key can be
 * used by the kernel but never read back by user space, which is what a
 * key that outlives the program that set it up should be.
 */
#include <keys/user-type.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "loopx.h"

static int loopx_read_logon_key(const char *desc, u8 *buf, unsigned int size)
{
	const struct user_key_payload *payload;
	struct key *key;
	int ret = 0;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key))
		return PTR_ERR(key);
	down_read(&key->sem);
	payload = user_key_payload_locked(key);
	if (!payload)
		ret = -EKEYREVOKED;
	else if (payload->datalen != size)
		ret = -EINVAL;
	else
		memcpy(buf, payload->data, size);
	up_read(&key->sem);
	key_put(key);
	return ret;
}

/**
 * loopx_crypt_params() - the transform parameters a struct loopx_crypt asks for
 * @crypt: the caller's structure
 * @p: filled in, its key pointing to @key and its name to @name
 * @key: LOOPX_XFER_KEY_MAX bytes for the key; the caller wipes them
 * @name: LO_NAME_SIZE bytes for the cipher name
 *
 * Return: 0, -EINVAL for a malformed structure, key string or a key whose
 * size is not the one named, or the keyring's error (-ENOKEY, -EKEYREVOKED,
 * -EKEYEXPIRED, -EACCES).
 */
int loopx_crypt_params(const struct loopx_crypt *crypt,
		       struct loopx_xfer_params *p, u8 *key, char *name)
{
	unsigned int size;
	int ret, n = 0;

	if ((crypt->flags & ~LOOPX_CRYPT_ALL) || crypt->__reserved0 ||
	    memchr_inv(crypt->__reserved, 0, sizeof(crypt->__reserved)))
		return -EINVAL;
	if (strnlen(crypt->cipher, sizeof(crypt->cipher)) >= LO_NAME_SIZE ||
	    strnlen(crypt->key, sizeof(crypt->key)) >= sizeof(crypt->key))
		return -EINVAL;
	if (sscanf(crypt->key, ":%u:logon:%n", &size, &n) != 1 || !n ||
	    !crypt->key[n] || !size || size > LOOPX_XFER_KEY_MAX)
		return -EINVAL;
	ret = loopx_read_logon_key(crypt->key + n, key, size);
	if (ret)
		return ret;
	strscpy(name, crypt->cipher, LO_NAME_SIZE);
	p->name = name;
	p->key = key;
	p->key_size = size;
	p->unit_size = crypt->flags & LOOPX_CRYPT_UNIT_4K ? 4096 :
							    LOOPX_XFER_UNIT;
	p->iv_large = crypt->flags & LOOPX_CRYPT_IV_LARGE;
	p->iv_offset = crypt->iv_offset;
	return 0;
}

/**
 * loopx_crypt_from_user() - the struct loopx_crypt a configure call points to
 * @uptr: the caller's pointer, 0 for none
 * @buf: where the structure is copied
 *
 * Return: @buf, NULL for no pointer, or ERR_PTR(-EFAULT).
 */
const struct loopx_crypt *loopx_crypt_from_user(u64 uptr,
						struct loopx_crypt *buf)
{
	if (!uptr)
		return NULL;
	if (copy_from_user(buf, u64_to_user_ptr(uptr), sizeof(*buf)))
		return ERR_PTR(-EFAULT);
	return buf;
}
