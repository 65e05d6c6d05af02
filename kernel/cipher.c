// SPDX-License-Identifier: GPL-2.0-only
/*
 * LO_CRYPT_CRYPTOAPI: encryption through the kernel's crypto API, with
 * lo_crypt_name in dm-crypt's cipher format, <cipher>-<mode>-<iv>:
 * "aes-xts-plain64", "aes-xts-plain", "aes-cbc-essiv:sha256",
 * "aes-cbc-plain". Each data unit (512 bytes, or 4096 through struct
 * loopx_crypt) is encrypted on its own with the number of its first
 * 512-byte unit, counted from the device's first byte, as the IV: the same
 * ciphertext as dm-crypt's plain table over the same bytes, so an image
 * written here opens with cryptsetup's plain mode and the reverse.
 */
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/mempool.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "loopx.h"

/* Requests a device keeps in reserve, so that I/O goes on when memory is short. */
#define LOOPX_CIPHER_POOL_REQS	2

/* The longest crypto API name a cipher spec can make. */
#define LOOPX_CIPHER_ALG_MAX	(2 * LO_NAME_SIZE)

/**
 * struct loopx_cipher - the state of one device's CRYPTOAPI transform
 * @tfm: the cipher, keyed
 * @reqs: requests with room for the IV behind them
 * @spare: per CPU, a request from @reqs kept for the next call, or NULL
 * @iv_offset: where the IV starts in a request from @reqs
 * @iv_size: the cipher's IV size
 * @iv32: the IV holds the unit number's low 32 bits ("plain"), not all 64
 * @unit_size: bytes encrypted with one IV
 * @iv_large: the IV counts data units, not 512-byte units
 * @iv_base: added to every unit number, in 512-byte units
 */
struct loopx_cipher {
	struct crypto_skcipher *tfm;
	mempool_t *reqs;
	struct skcipher_request * __percpu *spare;
	unsigned int iv_offset;
	unsigned int iv_size;
	bool iv32;
	unsigned int unit_size;
	bool iv_large;
	u64 iv_base;
};

/*
 * "aes-xts-plain64" becomes "xts(aes)", "aes-cbc-essiv:sha256" becomes
 * "essiv(cbc(aes),sha256)": the essiv template derives the IV from the
 * unit number as dm-crypt's essiv does.
 */
static int loopx_cipher_alg(const char *spec, char *alg, bool *iv32)
{
	char buf[LO_NAME_SIZE], *rest = buf, *cipher, *mode;
	int n;

	strscpy(buf, spec, sizeof(buf));
	cipher = strsep(&rest, "-");
	mode = strsep(&rest, "-");
	if (!*cipher || !mode || !rest)
		return -EINVAL;
	if (strcmp(mode, "xts") && strcmp(mode, "cbc"))
		return -EINVAL;
	*iv32 = false;
	if (!strcmp(rest, "plain64")) {
		n = snprintf(alg, LOOPX_CIPHER_ALG_MAX, "%s(%s)", mode, cipher);
	} else if (!strcmp(rest, "plain")) {
		*iv32 = true;
		n = snprintf(alg, LOOPX_CIPHER_ALG_MAX, "%s(%s)", mode, cipher);
	} else if (!strncmp(rest, "essiv:", 6) && rest[6]) {
		n = snprintf(alg, LOOPX_CIPHER_ALG_MAX, "essiv(%s(%s),%s)",
			     mode, cipher, rest + 6);
	} else {
		return -EINVAL;
	}
	return n < LOOPX_CIPHER_ALG_MAX ? 0 : -EINVAL;
}

static void loopx_cipher_free(struct loopx_cipher *c)
{
	struct skcipher_request *req;
	int cpu;

	if (c->spare) {
		for_each_possible_cpu(cpu) {
			req = *per_cpu_ptr(c->spare, cpu);
			if (req)
				mempool_free(req, c->reqs);
		}
		free_percpu(c->spare);
	}
	mempool_destroy(c->reqs);
	/* freeing the transform wipes the expanded key with it */
	if (!IS_ERR_OR_NULL(c->tfm))
		crypto_free_skcipher(c->tfm);
	kfree(c);
}

static void *loopx_cipher_init(const struct loopx_xfer_params *p)
{
	char alg[LOOPX_CIPHER_ALG_MAX];
	struct loopx_cipher *c;
	unsigned int size;
	int ret;

	if (!p->key_size || p->key_size > LOOPX_XFER_KEY_MAX)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->unit_size = p->unit_size;
	c->iv_large = p->iv_large;
	c->iv_base = p->iv_offset;
	ret = loopx_cipher_alg(p->name, alg, &c->iv32);
	if (ret)
		goto fail;
	c->tfm = crypto_alloc_skcipher(alg, 0, 0);
	if (IS_ERR(c->tfm)) {
		/* an unknown algorithm is a bad name, as for any other field */
		ret = PTR_ERR(c->tfm) == -ENOMEM ? -ENOMEM : -EINVAL;
		goto fail;
	}
	c->iv_size = crypto_skcipher_ivsize(c->tfm);
	ret = -EINVAL;
	if (c->iv_size < sizeof(u64) ||
	    crypto_skcipher_blocksize(c->tfm) > LOOPX_XFER_UNIT)
		goto fail;
	ret = crypto_skcipher_setkey(c->tfm, p->key, p->key_size);
	if (ret)
		goto fail;
	c->iv_offset = ALIGN(sizeof(struct skcipher_request) +
			     crypto_skcipher_reqsize(c->tfm),
			     crypto_skcipher_alignmask(c->tfm) + 1);
	size = c->iv_offset + c->iv_size;
	c->reqs = mempool_create_kmalloc_pool(LOOPX_CIPHER_POOL_REQS, size);
	c->spare = alloc_percpu(struct skcipher_request *);
	if (!c->reqs || !c->spare) {
		ret = -ENOMEM;
		goto fail;
	}
	return c;

fail:
	loopx_cipher_free(c);
	return ERR_PTR(ret);
}

static void loopx_cipher_release(void *state)
{
	loopx_cipher_free(state);
}

/* The IV of the data unit that starts at 512-byte unit @unit. */
static void loopx_cipher_iv(const struct loopx_cipher *c, u8 *iv, u64 unit)
{
	u64 n = unit + c->iv_base;
	__le64 le;

	/* dm-crypt adds its <iv_offset> first, then counts data units */
	if (c->iv_large)
		n /= c->unit_size / LOOPX_XFER_UNIT;
	le = cpu_to_le64(c->iv32 ? lower_32_bits(n) : n);
	memset(iv, 0, c->iv_size);
	memcpy(iv, &le, sizeof(le));
}

/*
 * One data unit per cipher request, as dm-crypt does: each has its own IV.
 * The request may complete asynchronously (AES-NI's XTS does); this waits.
 */
static int loopx_cipher_crypt(void *state, bool encrypt, struct page *dst,
			      unsigned int dst_off, struct page *src,
			      unsigned int src_off, unsigned int len, u64 unit)
{
	struct loopx_cipher *c = state;
	struct scatterlist sg_src, sg_dst;
	struct skcipher_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	unsigned int done;
	int ret = 0;
	u8 *iv;

	/*
	 * This runs for every page of every request: rather than a new
	 * request each time, take the one the last call on this CPU left.
	 * The exchange makes it ours even if we then sleep or move to
	 * another CPU.
	 */
	req = this_cpu_xchg(*c->spare, NULL);
	if (!req)
		req = mempool_alloc(c->reqs, GFP_NOIO);
	iv = (u8 *)req + c->iv_offset;
	skcipher_request_set_tfm(req, c->tfm);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
					   CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	sg_init_table(&sg_src, 1);
	sg_init_table(&sg_dst, 1);
	for (done = 0; done < len && !ret; done += c->unit_size,
	     unit += c->unit_size / LOOPX_XFER_UNIT) {
		sg_set_page(&sg_src, src, c->unit_size, src_off + done);
		sg_set_page(&sg_dst, dst, c->unit_size, dst_off + done);
		loopx_cipher_iv(c, iv, unit);
		skcipher_request_set_crypt(req, &sg_src, &sg_dst,
					   c->unit_size, iv);
		ret = crypto_wait_req(encrypt ? crypto_skcipher_encrypt(req) :
						crypto_skcipher_decrypt(req),
				      &wait);
	}
	/* the slot may have been filled meanwhile: then this one goes back */
	if (this_cpu_cmpxchg(*c->spare, NULL, req))
		mempool_free(req, c->reqs);
	return ret;
}

static struct loopx_transfer loopx_cipher = {
	.type		= LO_CRYPT_CRYPTOAPI,
	.owner		= THIS_MODULE,
	.init		= loopx_cipher_init,
	.release	= loopx_cipher_release,
	.crypt		= loopx_cipher_crypt,
};

int loopx_cipher_register(void)
{
	return loopx_register_transfer(&loopx_cipher);
}

void loopx_cipher_unregister(void)
{
	loopx_unregister_transfer(&loopx_cipher);
}
