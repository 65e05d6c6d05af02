// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transfer functions: the registry, the XOR transform, and the transform
 * state a device holds.
 *
 * A device that uses a transform holds a reference on the module that
 * registered it, taken under loopx_xfer_mutex while the transform is still
 * listed. A module unregisters in its exit function, which cannot run while
 * any such reference exists, so unregistering never has to look at devices
 * (the classic loop walked every device there, without a lock that kept
 * them from going away).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "loopx.h"

/*
 * Bounce pages a device keeps in reserve for its writes: one is enough for
 * progress (a writer waits on the pool only while it holds none), a few more
 * let concurrent writers go on when memory is short.
 */
#define LOOPX_XFER_POOL_PAGES	4

static LIST_HEAD(loopx_transfers);
static DEFINE_MUTEX(loopx_xfer_mutex);

static struct loopx_transfer *loopx_find_transfer(int type)
{
	struct loopx_transfer *xfer;

	list_for_each_entry(xfer, &loopx_transfers, list)
		if (xfer->type == type)
			return xfer;
	return NULL;
}

/**
 * loopx_register_transfer() - offer a transform to loopx devices
 * @xfer: the transform; must stay valid until unregistered
 *
 * Return: 0, -EINVAL for a type outside (LO_CRYPT_NONE, MAX_LO_CRYPT) or
 * missing methods, -EBUSY if the type is taken.
 */
int loopx_register_transfer(struct loopx_transfer *xfer)
{
	int ret = 0;

	if (xfer->type <= LO_CRYPT_NONE || xfer->type >= MAX_LO_CRYPT ||
	    !xfer->init || !xfer->release || !xfer->crypt)
		return -EINVAL;
	mutex_lock(&loopx_xfer_mutex);
	if (loopx_find_transfer(xfer->type))
		ret = -EBUSY;
	else
		list_add_tail(&xfer->list, &loopx_transfers);
	mutex_unlock(&loopx_xfer_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(loopx_register_transfer);

/**
 * loopx_unregister_transfer() - withdraw a transform
 * @xfer: a registered transform
 *
 * No device uses @xfer when its module's exit function calls this: each
 * would hold a reference on the module. Devices bound later cannot find it.
 */
void loopx_unregister_transfer(struct loopx_transfer *xfer)
{
	mutex_lock(&loopx_xfer_mutex);
	list_del(&xfer->list);
	mutex_unlock(&loopx_xfer_mutex);
}
EXPORT_SYMBOL_GPL(loopx_unregister_transfer);

/* The classic loop's XOR: obfuscation, not encryption. */
struct loopx_xor {
	unsigned int size;
	u8 key[LO_KEY_SIZE];
};

static void *loopx_xor_init(const struct loopx_xfer_params *p)
{
	struct loopx_xor *x;

	if (!p->key_size || p->key_size > LO_KEY_SIZE)
		return ERR_PTR(-EINVAL);
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return ERR_PTR(-ENOMEM);
	x->size = p->key_size;
	memcpy(x->key, p->key, x->size);
	return x;
}

static void loopx_xor_release(void *state)
{
	kfree_sensitive(state);
}

/* Byte i of every 512-byte unit is XORed with key[i % key size]. */
static int loopx_xor_crypt(void *state, bool encrypt, struct page *dst,
			   unsigned int dst_off, struct page *src,
			   unsigned int src_off, unsigned int len, u64 unit)
{
	const struct loopx_xor *x = state;
	u8 *out = kmap_local_page(dst) + dst_off;
	const u8 *in = kmap_local_page(src) + src_off;
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = in[i] ^ x->key[(i % LOOPX_XFER_UNIT) % x->size];
	kunmap_local(in);
	kunmap_local(out);
	return 0;
}

static struct loopx_transfer loopx_xor = {
	.type		= LO_CRYPT_XOR,
	.name		= "xor",
	.owner		= THIS_MODULE,
	.init		= loopx_xor_init,
	.release	= loopx_xor_release,
	.crypt		= loopx_xor_crypt,
};

/* The parameters a loop_info64 carries: the key in lo_encrypt_key. */
static void loopx_info_params(const struct loop_info64 *info,
			      struct loopx_xfer_params *p, u8 *key, char *name)
{
	memcpy(name, info->lo_crypt_name, LO_NAME_SIZE - 1);
	name[LO_NAME_SIZE - 1] = 0;
	p->key_size = min_t(u32, info->lo_encrypt_key_size, LO_KEY_SIZE);
	memcpy(key, info->lo_encrypt_key, p->key_size);
	p->name = name;
	p->key = key;
	p->unit_size = LOOPX_XFER_UNIT;
}

static int loopx_xfer_start(struct loopx_xfer_state *x,
			    struct loopx_transfer *ops,
			    const struct loopx_xfer_params *p)
{
	void *state = ops->init(p);

	if (IS_ERR(state))
		return PTR_ERR(state);
	x->pool = mempool_create_page_pool(LOOPX_XFER_POOL_PAGES, 0);
	if (!x->pool) {
		ops->release(state);
		return -ENOMEM;
	}
	x->ops = ops;
	x->state = state;
	x->unit_size = p->unit_size;
	strscpy(x->name, ops->name ?: p->name, sizeof(x->name));
	return 0;
}

/**
 * loopx_xfer_get() - set up the transform a binding or status asks for
 * @lo: the device it is for
 * @x: filled in; all zero for LO_CRYPT_NONE
 * @info: the caller's status, key included
 * @crypt: the LOOPX_CTL_CONFIGURE extension (key from the keyring), or NULL;
 *	then @info must leave the encryption fields zero
 *
 * May sleep: called without the device's locks.
 *
 * Return: 0, -EINVAL for an unknown type or a key or cipher the transform
 * refuses (and in compat mode for any type but none, as loop answers),
 * -EPERM without CAP_SYS_ADMIN, -ENOMEM, or the keyring's error.
 */
int loopx_xfer_get(struct loopx_device *lo, struct loopx_xfer_state *x,
		   const struct loop_info64 *info,
		   const struct loopx_crypt *crypt)
{
	struct loopx_xfer_params p = { };
	u8 key[LOOPX_XFER_KEY_MAX];
	char name[LO_NAME_SIZE];
	struct loopx_transfer *ops;
	u32 type = info->lo_encrypt_type;
	int ret;

	memset(x, 0, sizeof(*x));
	if (crypt) {
		if (type || info->lo_encrypt_key_size || info->lo_crypt_name[0])
			return -EINVAL;
		type = LO_CRYPT_CRYPTOAPI;
	}
	if (type == LO_CRYPT_NONE)
		return 0;
	if (lo->compat)
		return -EINVAL;
	/* a key is kernel state that outlives the caller's file descriptor */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&loopx_xfer_mutex);
	ops = loopx_find_transfer(type);
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&loopx_xfer_mutex);
	if (!ops)
		return -EINVAL;

	if (crypt) {
		ret = loopx_crypt_params(crypt, &p, key, name);
	} else {
		loopx_info_params(info, &p, key, name);
		ret = 0;
	}
	if (!ret)
		ret = loopx_xfer_start(x, ops, &p);
	memzero_explicit(key, sizeof(key));
	if (ret) {
		module_put(ops->owner);
		memset(x, 0, sizeof(*x));
		return ret;
	}
	x->type = type;
	/*
	 * A keyring key is not lo_encrypt_key's: a status read and written
	 * back must not carry its size into a field that takes 32 at most.
	 */
	x->key_size = crypt ? 0 : p.key_size;
	x->discard = crypt && (crypt->flags & LOOPX_CRYPT_DISCARD);
	return 0;
}

/**
 * loopx_xfer_put() - undo loopx_xfer_get(), wiping the key
 * @x: the state; left all zero. Nothing may be using it any more.
 */
void loopx_xfer_put(struct loopx_xfer_state *x)
{
	if (!x->ops)
		return;
	mempool_destroy(x->pool);
	x->ops->release(x->state);
	module_put(x->ops->owner);
	memset(x, 0, sizeof(*x));
}

/**
 * loopx_xfer_install() - make a transform the device's, or none
 * @lo: the device, lo->lock held and no request in flight (queue frozen,
 *	drained or unbound)
 * @x: the transform to install; receives the one it replaces, for the
 *	caller to loopx_xfer_put()
 *
 * Under @lo->file_lock, for sysfs, which reads the name without lo->lock.
 */
void loopx_xfer_install(struct loopx_device *lo, struct loopx_xfer_state *x)
{
	spin_lock(&lo->file_lock);
	swap(lo->xfer, *x);
	spin_unlock(&lo->file_lock);
}

/**
 * loopx_xfer_name() - what sysfs shows as a device's encryption
 * @lo: the device
 * @buf: LO_NAME_SIZE bytes, filled with a string, empty for no transform
 */
void loopx_xfer_name(struct loopx_device *lo, char *buf)
{
	spin_lock(&lo->file_lock);
	memcpy(buf, lo->xfer.name, LO_NAME_SIZE);
	spin_unlock(&lo->file_lock);
	buf[LO_NAME_SIZE - 1] = 0;
}

/**
 * loopx_xfer_unchanged() - whether a status asks for the current transform
 * @lo: the device, lo->lock held
 * @info: the status a caller passed
 *
 * GET_STATUS reports the type and name but zeroes for the key, and tools
 * write the status they read back with one flag changed: that must leave
 * the transform and its key alone. So the same type and name with an
 * all-zero key mean "unchanged"; a real all-zero key cannot be set on a
 * bound device, only at bind time.
 *
 * Return: true if the transform stays as it is.
 */
bool loopx_xfer_unchanged(struct loopx_device *lo,
			  const struct loop_info64 *info)
{
	if (info->lo_encrypt_type != lo->xfer.type)
		return false;
	if (info->lo_encrypt_type == LO_CRYPT_NONE)
		return true;
	return !memchr_inv(info->lo_encrypt_key, 0, LO_KEY_SIZE) &&
	       !strncmp(info->lo_crypt_name, lo->crypt_name, LO_NAME_SIZE - 1);
}

/**
 * loopx_wipe_key() - wipe the key from a caller's status once it is used
 * @info: a copy of the caller's status
 */
void loopx_wipe_key(struct loop_info64 *info)
{
	memzero_explicit(info->lo_encrypt_key, LO_KEY_SIZE);
}

int loopx_xfer_init(void)
{
	int ret = loopx_register_transfer(&loopx_xor);

	if (ret)
		return ret;
	ret = loopx_cipher_register();
	if (ret)
		loopx_unregister_transfer(&loopx_xor);
	return ret;
}

void loopx_xfer_exit(void)
{
	loopx_cipher_unregister();
	loopx_unregister_transfer(&loopx_xor);
}
