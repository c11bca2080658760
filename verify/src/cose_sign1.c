/* COSE_Sign1 decoding and ECDSA verification. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "claims_map.h"
#include "verify/cose.h"

static const char sig1_context[] = "Signature1";

const char *cose_alg_name(int64_t alg)
{
	switch (alg) {
	case COSE_ALG_ES256:
		return "ES256";
	case COSE_ALG_ES384:
		return "ES384";
	case COSE_ALG_ES512:
		return "ES512";
	default:
		return NULL;
	}
}

int cose_alg_curve_bits(int64_t alg)
{
	switch (alg) {
	case COSE_ALG_ES256:
		return 256;
	case COSE_ALG_ES384:
		return 384;
	case COSE_ALG_ES512:
		return 521;
	default:
		return 0;
	}
}

static const EVP_MD *alg_digest(int64_t alg)
{
	switch (alg) {
	case COSE_ALG_ES256:
		return EVP_sha256();
	case COSE_ALG_ES384:
		return EVP_sha384();
	case COSE_ALG_ES512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* The protected header must name a supported algorithm and nothing critical. */
static int decode_protected(struct cca_bytes hdr, struct cose_sign1 *out, enum verify_check check,
			    struct verify_result *res)
{
	struct cbor_reader r;
	struct claims_map m;
	struct claim_key key;
	bool have_alg = false;
	int rc;

	if (hdr.len == 0)
		return verify_fail(res, check, "protected header is empty (no algorithm)");
	cbor_reader_init(&r, hdr.ptr, hdr.len);
	if (claims_map_open(&m, &r, check, "protected header", res) != 0)
		return -EBADMSG;
	while ((rc = claims_map_next(&m, &key, check, "protected header", res)) == 1) {
		if (!key.is_text && key.num == COSE_HDR_ALG) {
			if (cbor_read_int(&r, &out->alg) != 0)
				return claims_fail_cbor(res, check, "protected header algorithm", &r);
			have_alg = true;
		} else if (!key.is_text && key.num == COSE_HDR_CRIT) {
			/* RFC 9052: a critical header we do not understand must fail. */
			return verify_fail(res, check, "protected header lists critical headers");
		} else if (cbor_skip(&r, NULL, NULL) != 0) {
			return claims_fail_cbor(res, check, "protected header", &r);
		}
	}
	if (rc < 0)
		return -EBADMSG;
	if (!cbor_at_end(&r))
		return verify_fail(res, check, "protected header: bytes after the header map");
	if (!have_alg)
		return verify_fail(res, check, "protected header has no algorithm (label 1)");
	if (!cose_alg_name(out->alg))
		return verify_fail(res, check, "unsupported signature algorithm %" PRId64
				   " (ES256 -7, ES384 -35, ES512 -36 are supported)", out->alg);
	return 0;
}

int cose_sign1_decode(const uint8_t *buf, size_t len, struct cose_sign1 *out,
		      enum verify_check check, struct verify_result *res)
{
	struct cbor_reader r;
	struct cbor_head h;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (cbor_reader_init(&r, buf, len) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1", &r);
	if (cbor_peek_head(&r, &h) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1", &r);
	if (h.major == CBOR_MAJOR_TAG) {
		if (h.arg != COSE_TAG_SIGN1)
			return verify_fail(res, check, "tag %" PRIu64 " where COSE_Sign1 (tag 18) was expected",
					   h.arg);
		cbor_read_head(&r, &h);
		out->tagged = true;
	}
	if (cbor_read_array(&r, &n) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1", &r);
	if (n != 4)
		return verify_fail(res, check, "COSE_Sign1 has %" PRIu64 " elements, must be 4", n);
	if (cbor_read_bstr(&r, &out->protected_hdr.ptr, &out->protected_hdr.len) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 protected header", &r);
	if (cbor_peek_head(&r, &h) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 unprotected header", &r);
	if (h.major != CBOR_MAJOR_MAP)
		return verify_fail(res, check, "COSE_Sign1 unprotected header is not a map");
	if (cbor_skip(&r, NULL, NULL) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 unprotected header", &r);
	if (cbor_peek_head(&r, &h) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 payload", &r);
	if (h.major == CBOR_MAJOR_SIMPLE && h.arg == 22)
		return verify_fail(res, check, "COSE_Sign1 with a detached payload is not supported");
	if (cbor_read_bstr(&r, &out->payload.ptr, &out->payload.len) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 payload", &r);
	if (cbor_read_bstr(&r, &out->signature.ptr, &out->signature.len) != 0)
		return claims_fail_cbor(res, check, "COSE_Sign1 signature", &r);
	if (!cbor_at_end(&r))
		return verify_fail(res, check, "%zu bytes after the COSE_Sign1", len - r.pos);
	return decode_protected(out->protected_hdr, out, check, res);
}

void cose_sig_structure_write(struct cbor_writer *w, struct cca_bytes protected_hdr,
			      struct cca_bytes payload)
{
	cbor_put_array(w, 4);
	cbor_put_tstr(w, sig1_context);
	cbor_put_bstr(w, protected_hdr.ptr, protected_hdr.len);
	cbor_put_bstr(w, NULL, 0);
	cbor_put_bstr(w, payload.ptr, payload.len);
}

/* Raw r||s (COSE) to a DER ECDSA-Sig-Value (OpenSSL); 0 or -EINVAL. */
static int raw_sig_to_der(const uint8_t *sig, size_t half, uint8_t *der, size_t cap, size_t *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(sig + half, (int)half, NULL);
	int rc = -EINVAL;
	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	int n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > cap)
		goto out;
	uint8_t *p = der;
	*der_len = (size_t)i2d_ECDSA_SIG(es, &p);
	rc = 0;
out:
	ECDSA_SIG_free(es);
	return rc;
}

static int digest_update_head(EVP_MD_CTX *ctx, enum cbor_major major, uint64_t arg)
{
	uint8_t head[9];
	return EVP_DigestVerifyUpdate(ctx, head, cbor_encode_head(head, major, arg));
}

/* Sig_structure fed piecewise: heads are tiny, the payload is the caller's. */
static int feed_sig_structure(EVP_MD_CTX *ctx, const struct cose_sign1 *s)
{
	static const uint8_t empty_bstr = 0x40;
	return digest_update_head(ctx, CBOR_MAJOR_ARRAY, 4) == 1 &&
	       digest_update_head(ctx, CBOR_MAJOR_TSTR, sizeof(sig1_context) - 1) == 1 &&
	       EVP_DigestVerifyUpdate(ctx, sig1_context, sizeof(sig1_context) - 1) == 1 &&
	       digest_update_head(ctx, CBOR_MAJOR_BSTR, s->protected_hdr.len) == 1 &&
	       EVP_DigestVerifyUpdate(ctx, s->protected_hdr.ptr, s->protected_hdr.len) == 1 &&
	       EVP_DigestVerifyUpdate(ctx, &empty_bstr, 1) == 1 &&
	       digest_update_head(ctx, CBOR_MAJOR_BSTR, s->payload.len) == 1 &&
	       EVP_DigestVerifyUpdate(ctx, s->payload.ptr, s->payload.len) == 1;
}

int cose_sign1_verify(const struct cose_sign1 *s, EVP_PKEY *key, enum verify_check check,
		      struct verify_result *res)
{
	int want_bits = cose_alg_curve_bits(s->alg);
	const EVP_MD *md = alg_digest(s->alg);
	if (!want_bits || !md)
		return verify_fail(res, check, "unsupported signature algorithm %" PRId64, s->alg);
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return verify_fail(res, check, "no EC public key to verify with");
	if (EVP_PKEY_get_bits(key) != want_bits)
		return verify_fail(res, check, "%s needs a P-%d key, the key is %d bits",
				   cose_alg_name(s->alg), want_bits, EVP_PKEY_get_bits(key));
	size_t half = ((size_t)want_bits + 7) / 8;
	if (s->signature.len != 2 * half)
		return verify_fail(res, check, "%s signature is %zu bytes, must be %zu (raw r||s)",
				   cose_alg_name(s->alg), s->signature.len, 2 * half);

	uint8_t der[160];
	size_t der_len;
	if (raw_sig_to_der(s->signature.ptr, half, der, sizeof(der), &der_len) != 0)
		return verify_fail(res, check, "cannot convert the signature to DER");

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
		 feed_sig_structure(ctx, s) && EVP_DigestVerifyFinal(ctx, der, der_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error(); /* the verdict is ours; leave no queue behind */
		return verify_fail(res, check, "%s signature does not verify with the given key",
				   cose_alg_name(s->alg));
	}
	return 0;
}
