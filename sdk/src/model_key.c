/* Key release, the realm's side, with BearSSL (sdk/model_key.h). */
#include <bearssl.h>

#include "sdk/model_key.h"
#include "sdk/model_unseal.h"

static void wipe(void *p, size_t n)
{
	volatile uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int model_key_request_begin(struct model_key_request *r, const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
			    const uint8_t seed[CAEC_KEY_X25519_SIZE], uint8_t challenge[64])
{
	if (!r || !nonce || !seed || !challenge)
		return MODEL_KEY_EINVAL;
	__builtin_memcpy(r->priv, seed, CAEC_KEY_X25519_SIZE);
	__builtin_memcpy(r->nonce, nonce, CAEC_KEY_NONCE_SIZE);
	if (br_ec_c25519_i31.mulgen(r->pub, r->priv, CAEC_KEY_X25519_SIZE, BR_EC_curve25519) != CAEC_KEY_X25519_SIZE)
		return MODEL_KEY_EINVAL;
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, CAEC_KEY_REQUEST_LABEL, sizeof(CAEC_KEY_REQUEST_LABEL) - 1);
	br_sha512_update(&h, r->pub, CAEC_KEY_X25519_SIZE);
	br_sha512_update(&h, r->nonce, CAEC_KEY_NONCE_SIZE);
	br_sha512_out(&h, challenge);
	return 0;
}

size_t model_key_request_encode(const struct model_key_request *r, const uint8_t *token, size_t token_len,
				uint8_t *out, size_t cap)
{
	if (!token || token_len == 0 || token_len > CAEC_KEY_TOKEN_MAX || cap < CAEC_KEY_REQUEST_HEADER ||
	    token_len > cap - CAEC_KEY_REQUEST_HEADER)
		return 0;
	__builtin_memcpy(out, CAEC_KEY_REQUEST_MAGIC, 4);
	put_le32(out + 4, CAEC_KEY_RELEASE_VERSION);
	__builtin_memcpy(out + 8, r->pub, CAEC_KEY_X25519_SIZE);
	put_le32(out + 40, (uint32_t)token_len);
	__builtin_memmove(out + CAEC_KEY_REQUEST_HEADER, token, token_len);
	return CAEC_KEY_REQUEST_HEADER + token_len;
}

int model_key_accept(struct model_key_request *r, const uint8_t *resp, size_t len,
		     const uint8_t key_id[CAEC_MODEL_ID_SIZE], uint8_t key[CAEC_MODEL_KEY_SIZE])
{
	static const uint8_t version[4] = { CAEC_KEY_RELEASE_VERSION, 0, 0, 0 };
	uint8_t shared[CAEC_KEY_X25519_SIZE], wrap[32], id[CAEC_MODEL_ID_SIZE];
	int rc = MODEL_KEY_EREPLY;

	if (!resp || len != CAEC_KEY_RESPONSE_SIZE || __builtin_memcmp(resp, CAEC_KEY_RESPONSE_MAGIC, 4) != 0 ||
	    __builtin_memcmp(resp + 4, version, 4) != 0)
		goto out;
	const uint8_t *eph_pub = resp + 8;
	/* X25519: the shared point is the peer's point times our scalar. */
	__builtin_memcpy(shared, eph_pub, CAEC_KEY_X25519_SIZE);
	if (br_ec_c25519_i31.mul(shared, CAEC_KEY_X25519_SIZE, r->priv, CAEC_KEY_X25519_SIZE, BR_EC_curve25519) != 1)
		goto out;
	uint8_t any = 0; /* a low-order point gives zero: a secret anyone knows */
	for (unsigned i = 0; i < CAEC_KEY_X25519_SIZE; i++)
		any |= shared[i];
	if (!any)
		goto out;
	br_hkdf_context hk;
	br_hkdf_init(&hk, &br_sha256_vtable, r->nonce, CAEC_KEY_NONCE_SIZE);
	br_hkdf_inject(&hk, shared, sizeof(shared));
	br_hkdf_flip(&hk);
	uint8_t info[sizeof(CAEC_KEY_WRAP_LABEL) - 1 + 64];
	__builtin_memcpy(info, CAEC_KEY_WRAP_LABEL, sizeof(CAEC_KEY_WRAP_LABEL) - 1);
	__builtin_memcpy(info + sizeof(CAEC_KEY_WRAP_LABEL) - 1, eph_pub, 32);
	__builtin_memcpy(info + sizeof(CAEC_KEY_WRAP_LABEL) - 1 + 32, r->pub, 32);
	br_hkdf_produce(&hk, info, sizeof(info), wrap, sizeof(wrap));
	wipe(&hk, sizeof(hk));

	br_aes_ct64_ctr_keys aes;
	br_gcm_context g;
	static const uint8_t nonce[12] = { 0 };
	br_aes_ct64_ctr_init(&aes, wrap, sizeof(wrap));
	br_gcm_init(&g, &aes.vtable, br_ghash_ctmul64);
	br_gcm_reset(&g, nonce, sizeof(nonce));
	br_gcm_aad_inject(&g, resp, CAEC_KEY_RESPONSE_AAD);
	br_gcm_flip(&g);
	__builtin_memcpy(key, resp + 56, CAEC_MODEL_KEY_SIZE);
	br_gcm_run(&g, 0, key, CAEC_MODEL_KEY_SIZE);
	bool ok = br_gcm_check_tag(&g, resp + 88) == 1;
	wipe(&g, sizeof(g));
	wipe(&aes, sizeof(aes));
	if (ok) {
		model_key_id(key, id);
		uint8_t d = 0;
		for (unsigned i = 0; i < CAEC_MODEL_ID_SIZE; i++)
			d |= (uint8_t)(id[i] ^ resp[40 + i]) | (uint8_t)(key_id ? id[i] ^ key_id[i] : 0);
		ok = d == 0;
	}
	if (!ok) {
		wipe(key, CAEC_MODEL_KEY_SIZE);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && key)
		wipe(key, CAEC_MODEL_KEY_SIZE); /* every refusal leaves no key */
	wipe(shared, sizeof(shared));
	wipe(wrap, sizeof(wrap));
	wipe(r->priv, sizeof(r->priv));
	return rc;
}
