/* The token collection and the sequence of verification checks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "claims_map.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CHECK VERIFY_CHECK_COLLECTION

size_t cca_hash(enum cca_hash_alg alg, const void *data, size_t len, uint8_t out[64])
{
	const EVP_MD *md = alg == CCA_HASH_SHA256   ? EVP_sha256()
			   : alg == CCA_HASH_SHA384 ? EVP_sha384()
			   : alg == CCA_HASH_SHA512 ? EVP_sha512()
						    : NULL;
	unsigned int n = 0;
	if (!md || EVP_Digest(data, len, out, &n, md, NULL) != 1)
		return 0;
	return n;
}

/* One entry of the collection: [263, bstr] under tag 907, a bare bstr under 399. */
static int read_entry(struct cbor_reader *r, uint64_t tag, const char *what, struct cca_bytes *out,
		      struct verify_result *res)
{
	if (tag == CCA_TAG_COLLECTION) {
		uint64_t n, format;
		if (cbor_read_array(r, &n) != 0)
			return claims_fail_cbor(res, CHECK, what, r);
		if (n != 2)
			return verify_fail(res, CHECK, "%s: array of %" PRIu64 " elements, must be [263, bstr]",
					   what, n);
		if (cbor_read_uint(r, &format) != 0)
			return claims_fail_cbor(res, CHECK, what, r);
		if (format != CCA_CONTENT_FORMAT_SIGN1)
			return verify_fail(res, CHECK, "%s: content format %" PRIu64 ", must be 263", what,
					   format);
	}
	if (cbor_read_bstr(r, &out->ptr, &out->len) != 0)
		return claims_fail_cbor(res, CHECK, what, r);
	return 0;
}

enum { HAVE_PLATFORM = 1 << 0, HAVE_REALM = 1 << 1 };

static int read_collection_entry(struct cbor_reader *r, const struct claim_key *key, bool strict,
				 void *out, unsigned *have, struct verify_result *res)
{
	struct cca_token *tok = out;
	if (!key->is_text && key->num == CCA_COLLECTION_PLATFORM) {
		*have |= HAVE_PLATFORM;
		return read_entry(r, tok->tag, "platform token (44234)", &tok->platform_raw, res);
	}
	if (!key->is_text && key->num == CCA_COLLECTION_REALM) {
		*have |= HAVE_REALM;
		return read_entry(r, tok->tag, "realm token (44241)", &tok->realm_raw, res);
	}
	return claim_unknown(r, key, strict, NULL, CHECK, res);
}

int cca_token_decode_collection(const uint8_t *buf, size_t len, bool strict,
				struct cca_token *tok, struct verify_result *res)
{
	struct cbor_reader r;
	unsigned have = 0;

	memset(tok, 0, sizeof(*tok));
	if (cbor_reader_init(&r, buf, len) != 0)
		return claims_fail_cbor(res, CHECK, "token", &r);
	if (cbor_read_tag(&r, &tok->tag) != 0)
		return claims_fail_cbor(res, CHECK, "token (a CBOR tag 907 or 399 was expected)", &r);
	if (tok->tag != CCA_TAG_COLLECTION && tok->tag != CCA_TAG_COLLECTION_LEGACY)
		return verify_fail(res, CHECK, "tag %" PRIu64 ", a CCA token is tag 907 (or legacy 399)",
				   tok->tag);
	if (claims_map_walk(&r, "token collection", CHECK, read_collection_entry, strict, tok, &have,
			    res) != 0)
		return -EBADMSG;
	if (!cbor_at_end(&r))
		return verify_fail(res, CHECK, "%zu bytes after the token", len - r.pos);
	if (!(have & HAVE_PLATFORM))
		return verify_fail(res, CHECK, "no platform token (key 44234)");
	if (!(have & HAVE_REALM))
		return verify_fail(res, CHECK, "no realm token (key 44241)");
	return 0;
}

int cca_token_decode(const uint8_t *buf, size_t len, bool strict, struct cca_token *tok,
		     struct verify_result *res)
{
	if (cca_token_decode_collection(buf, len, strict, tok, res) != 0 ||
	    cose_sign1_decode(tok->platform_raw.ptr, tok->platform_raw.len, &tok->platform,
			      VERIFY_CHECK_PLATFORM_TOKEN, res) != 0 ||
	    cca_platform_claims_decode(tok->platform.payload.ptr, tok->platform.payload.len, strict,
				       &tok->platform_claims, res) != 0 ||
	    cose_sign1_decode(tok->realm_raw.ptr, tok->realm_raw.len, &tok->realm,
			      VERIFY_CHECK_REALM_TOKEN, res) != 0 ||
	    cca_realm_claims_decode(tok->realm.payload.ptr, tok->realm.payload.len, strict,
				    &tok->realm_claims, res) != 0)
		return -EBADMSG;
	return 0;
}

static int check_platform_signature(const struct cca_token *tok, const struct verify_options *o,
				    struct verify_result *res)
{
	if (o->num_platform_keys == 0)
		return verify_fail(res, VERIFY_CHECK_PLATFORM_SIGNATURE,
				   "no platform key to verify with (give --platform-key or a reference file with platform_keys)");
	/* Any accepted key will do; report the last key's reason if none does. */
	struct verify_result attempt;
	for (size_t i = 0; i < o->num_platform_keys; i++) {
		verify_result_clear(&attempt);
		if (cose_sign1_verify(&tok->platform, o->platform_keys[i],
				      VERIFY_CHECK_PLATFORM_SIGNATURE, &attempt) == 0)
			return 0;
	}
	if (o->num_platform_keys == 1)
		return verify_fail(res, VERIFY_CHECK_PLATFORM_SIGNATURE, "%s", attempt.reason);
	return verify_fail(res, VERIFY_CHECK_PLATFORM_SIGNATURE,
			   "signature verifies with none of the %zu accepted platform keys (last: %s)",
			   o->num_platform_keys, attempt.reason);
}

static int check_realm_signature(const struct cca_token *tok, struct verify_result *res)
{
	const struct cca_realm_claims *rc = &tok->realm_claims;
	char why[PUBKEY_WHY_MAX];
	EVP_PKEY *rak = NULL;
	if (pubkey_from_rak_claim(rc->rak.ptr, rc->rak.len, &rak, why) != 0)
		return verify_fail(res, VERIFY_CHECK_REALM_KEY, "claim 44237: %s", why);
	int err = cose_sign1_verify(&tok->realm, rak, VERIFY_CHECK_REALM_SIGNATURE, res);
	EVP_PKEY_free(rak);
	return err;
}

static int check_binder(const struct cca_token *tok, struct verify_result *res)
{
	const struct cca_realm_claims *rc = &tok->realm_claims;
	const struct cca_bytes *challenge = &tok->platform_claims.challenge;
	uint8_t digest[64];
	size_t n = cca_hash(rc->rak_hash_alg, rc->rak.ptr, rc->rak.len, digest);
	if (n == 0)
		return verify_fail(res, VERIFY_CHECK_BINDER, "cannot hash the RAK");
	if (challenge->len != n)
		return verify_fail(res, VERIFY_CHECK_BINDER,
				   "platform challenge is %zu bytes, %s of the RAK is %zu", challenge->len,
				   cca_hash_name(rc->rak_hash_alg), n);
	if (CRYPTO_memcmp(challenge->ptr, digest, n) != 0)
		return verify_fail(res, VERIFY_CHECK_BINDER,
				   "platform challenge is not %s of claim 44237: this platform token does not vouch for this RAK",
				   cca_hash_name(rc->rak_hash_alg));
	return 0;
}

static int check_nonce(const struct cca_token *tok, const struct verify_options *o,
		       struct verify_result *res)
{
	const struct cca_bytes *ch = &tok->realm_claims.challenge;
	if (!o->nonce)
		return 0;
	if (o->nonce_len != ch->len || CRYPTO_memcmp(o->nonce, ch->ptr, ch->len) != 0)
		return verify_fail(res, VERIFY_CHECK_NONCE,
				   "realm challenge is not the expected nonce (stale or replayed token)");
	return 0;
}

int cca_token_verify(const uint8_t *buf, size_t len, const struct verify_options *opts,
		     struct cca_token *tok, struct verify_result *res)
{
	verify_result_clear(res);
	if (cca_token_decode_collection(buf, len, opts->strict, tok, res) != 0 ||
	    cose_sign1_decode(tok->platform_raw.ptr, tok->platform_raw.len, &tok->platform,
			      VERIFY_CHECK_PLATFORM_TOKEN, res) != 0 ||
	    check_platform_signature(tok, opts, res) != 0 ||
	    cca_platform_claims_decode(tok->platform.payload.ptr, tok->platform.payload.len,
				       opts->strict, &tok->platform_claims, res) != 0 ||
	    cose_sign1_decode(tok->realm_raw.ptr, tok->realm_raw.len, &tok->realm,
			      VERIFY_CHECK_REALM_TOKEN, res) != 0 ||
	    cca_realm_claims_decode(tok->realm.payload.ptr, tok->realm.payload.len, opts->strict,
				    &tok->realm_claims, res) != 0 ||
	    check_realm_signature(tok, res) != 0 || check_binder(tok, res) != 0 ||
	    check_nonce(tok, opts, res) != 0)
		return -EBADMSG;
	return 0;
}
