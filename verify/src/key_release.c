/* The key-release service (verify/key_release.h), with OpenSSL. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "verify/key_release.h"
#include "verify/token.h"

static int refuse(char *why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *why, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, KEY_RELEASE_WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void key_release_challenge(const uint8_t pub[CAEC_KEY_X25519_SIZE], const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
			   uint8_t challenge[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned n = 0;

	if (!md || EVP_DigestInit_ex(md, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestUpdate(md, CAEC_KEY_REQUEST_LABEL, strlen(CAEC_KEY_REQUEST_LABEL)) != 1 ||
	    EVP_DigestUpdate(md, pub, CAEC_KEY_X25519_SIZE) != 1 ||
	    EVP_DigestUpdate(md, nonce, CAEC_KEY_NONCE_SIZE) != 1 || EVP_DigestFinal_ex(md, challenge, &n) != 1)
		memset(challenge, 0, 64); /* matches no token's challenge */
	EVP_MD_CTX_free(md);
}

/* X25519(ours, theirs) into shared; false on failure (a low-order point). */
static bool x25519(EVP_PKEY *ours, const uint8_t theirs[32], uint8_t shared[32])
{
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, theirs, 32);
	EVP_PKEY_CTX *c = peer ? EVP_PKEY_CTX_new(ours, NULL) : NULL;
	size_t n = 32;
	bool ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
		  EVP_PKEY_derive(c, shared, &n) == 1 && n == 32;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(peer);
	return ok;
}

static bool hkdf(const uint8_t shared[32], const uint8_t nonce[64], const uint8_t *info, size_t info_len,
		 uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)shared, 32),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)nonce, 64),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
		OSSL_PARAM_construct_end(),
	};
	bool ok = k && EVP_KDF_derive(k, out, 32, params) == 1;
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
	return ok;
}

static bool gcm_seal(const uint8_t key[32], const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t n,
		     uint8_t *out, uint8_t tag[16])
{
	static const uint8_t nonce[12] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len;
	bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
		  EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_len) == 1 &&
		  EVP_EncryptUpdate(c, out, &len, in, (int)n) == 1 && EVP_EncryptFinal_ex(c, out + len, &len) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* The request's token: verified, bound to pub and nonce, its RIM and policy the owner's. */
static int check_token(const struct key_release_policy *p, const uint8_t *token, size_t len,
		       const uint8_t challenge[64], char *why)
{
	struct cca_token tok;
	struct verify_result res;
	struct verify_options o = { .platform_keys = p->platform_keys, .num_platform_keys = p->num_platform_keys,
				    .nonce = challenge, .nonce_len = 64 };

	if (cca_token_verify(token, len, &o, &tok, &res) != 0)
		return refuse(why, -EACCES, "the token does not verify: %s: %s", verify_check_name(res.failed),
			      res.reason);
	const struct cca_realm_claims *rc = &tok.realm_claims;
	bool rim_ok = false;
	for (size_t i = 0; i < p->num_rims && !rim_ok; i++)
		rim_ok = rc->rim.len == p->rims[i].len && CRYPTO_memcmp(rc->rim.ptr, p->rims[i].value, rc->rim.len) == 0;
	if (!rim_ok)
		return refuse(why, -EACCES, "the realm's RIM is not one the model owner accepts");
	if (!rc->has_policy_digest)
		return refuse(why, -EACCES, "the realm runs under no communication policy (no claim 65003)");
	if (p->policy_digest_len == 0 || rc->policy_digest.len != p->policy_digest_len ||
	    CRYPTO_memcmp(rc->policy_digest.ptr, p->policy_digest, p->policy_digest_len) != 0)
		return refuse(why, -EACCES, "the realm's policy is not the one the model owner expects (claim 65003)");
	return 0;
}

int key_release_answer(const struct key_release_policy *p, const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
		       const uint8_t *req, size_t len, uint8_t resp[CAEC_KEY_RESPONSE_SIZE],
		       char why[KEY_RELEASE_WHY_MAX])
{
	uint8_t challenge[64], shared[32], wrap[32], info[sizeof(CAEC_KEY_WRAP_LABEL) - 1 + 64];
	EVP_PKEY *eph = NULL;
	int rc;

	memset(resp, 0, CAEC_KEY_RESPONSE_SIZE);
	if (len < CAEC_KEY_REQUEST_HEADER || memcmp(req, CAEC_KEY_REQUEST_MAGIC, 4) != 0)
		return refuse(why, -EBADMSG, "not a key request");
	if (le32(req + 4) != CAEC_KEY_RELEASE_VERSION)
		return refuse(why, -EBADMSG, "key request version %u (this service speaks %u)", le32(req + 4),
			      CAEC_KEY_RELEASE_VERSION);
	const uint8_t *realm_pub = req + 8;
	uint32_t token_len = le32(req + 40);
	if (token_len == 0 || token_len > CAEC_KEY_TOKEN_MAX || token_len != len - CAEC_KEY_REQUEST_HEADER)
		return refuse(why, -EBADMSG, "the request's token length %u does not match its %zu bytes", token_len, len);
	key_release_challenge(realm_pub, nonce, challenge);
	if ((rc = check_token(p, req + CAEC_KEY_REQUEST_HEADER, token_len, challenge, why)) != 0)
		return rc;

	/* Wrap the model key to the realm's key. */
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	size_t pub_len = 32;
	uint8_t *eph_pub = resp + 8;
	bool ok = kc && EVP_PKEY_keygen_init(kc) == 1 && EVP_PKEY_keygen(kc, &eph) == 1 &&
		  EVP_PKEY_get_raw_public_key(eph, eph_pub, &pub_len) == 1 && pub_len == 32;
	EVP_PKEY_CTX_free(kc);
	if (!ok) {
		rc = refuse(why, -EIO, "no X25519 key");
		goto out;
	}
	if (!x25519(eph, realm_pub, shared)) {
		rc = refuse(why, -EACCES, "the realm's X25519 key is not usable");
		goto out;
	}
	memcpy(info, CAEC_KEY_WRAP_LABEL, sizeof(CAEC_KEY_WRAP_LABEL) - 1);
	memcpy(info + sizeof(CAEC_KEY_WRAP_LABEL) - 1, eph_pub, 32);
	memcpy(info + sizeof(CAEC_KEY_WRAP_LABEL) - 1 + 32, realm_pub, 32);
	memcpy(resp, CAEC_KEY_RESPONSE_MAGIC, 4);
	resp[4] = CAEC_KEY_RELEASE_VERSION;
	/* key_id: the header's, so the realm can tell it got the right key */
	{
		uint8_t d[32];
		unsigned n = 0;
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		     EVP_DigestUpdate(md, CAEC_MODEL_KEY_ID_LABEL, strlen(CAEC_MODEL_KEY_ID_LABEL)) == 1 &&
		     EVP_DigestUpdate(md, p->model_key, CAEC_MODEL_KEY_SIZE) == 1 && EVP_DigestFinal_ex(md, d, &n) == 1;
		EVP_MD_CTX_free(md);
		memcpy(resp + 40, d, CAEC_MODEL_ID_SIZE);
	}
	if (!ok || !hkdf(shared, nonce, info, sizeof(info), wrap) ||
	    !gcm_seal(wrap, resp, CAEC_KEY_RESPONSE_AAD, p->model_key, CAEC_MODEL_KEY_SIZE, resp + 56, resp + 88)) {
		memset(resp, 0, CAEC_KEY_RESPONSE_SIZE);
		rc = refuse(why, -EIO, "wrapping the key failed");
		goto out;
	}
	rc = 0;
	snprintf(why, KEY_RELEASE_WHY_MAX, "released");
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(wrap, sizeof(wrap));
	EVP_PKEY_free(eph);
	return rc;
}
