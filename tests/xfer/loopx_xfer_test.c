// SPDX-License-Identifier: GPL-2.0-only
/*
 * A transform registered from outside loopx, for the tests: it adds the
 * key's first byte to every byte on the way to the file and subtracts it
 * on the way back, so the test can compute what the file must hold. It
 * takes lo_encrypt_type 9 (LO_CRYPT_DUMMY), which loopx leaves free.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <linux/loopx_transfer.h>

static void *xfer_test_init(const struct loopx_xfer_params *p)
{
	u8 *add;

	if (p->key_size != 1)
		return ERR_PTR(-EINVAL);
	add = kmalloc(1, GFP_KERNEL);
	if (!add)
		return ERR_PTR(-ENOMEM);
	*add = p->key[0];
	return add;
}

static void xfer_test_release(void *state)
{
	kfree_sensitive(state);
}

static int xfer_test_crypt(void *state, bool encrypt, struct page *dst,
			   unsigned int dst_off, struct page *src,
			   unsigned int src_off, unsigned int len, u64 unit)
{
	u8 add = *(u8 *)state, *out = kmap_local_page(dst) + dst_off;
	const u8 *in = kmap_local_page(src) + src_off;
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = encrypt ? in[i] + add : in[i] - add;
	kunmap_local(in);
	kunmap_local(out);
	return 0;
}

static struct loopx_transfer xfer_test = {
	.type		= LO_CRYPT_DUMMY,
	.name		= "test-add",
	.owner		= THIS_MODULE,
	.init		= xfer_test_init,
	.release	= xfer_test_release,
	.crypt		= xfer_test_crypt,
};

static int __init xfer_test_load(void)
{
	return loopx_register_transfer(&xfer_test);
}

static void __exit xfer_test_unload(void)
{
	loopx_unregister_transfer(&xfer_test);
}

module_init(xfer_test_load);
module_exit(xfer_test_unload);

MODULE_DESCRIPTION("A loopx transform for the tests");
MODULE_LICENSE("GPL");
