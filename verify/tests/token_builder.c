/* Test token producer (see token_builder.h). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "abi/caec.h"
#include "token_builder.h"
#include "verify/cbor.h"
#include "verify/cose.h"
#include "verify/pubkey.h"
#include "verify/token.h"

void tb_defaults(struct tb_options *o, EVP_PKEY *platform_key, EVP_PKEY *rak)
{
	memset(o, 0, sizeof(*o));
	o->tag = CCA_TAG_COLLECTION;
	o->platform_key = platform_key;
	o->rak = rak;
	o->rak_hash_alg = CCA_HASH_SHA256;
	o->lifecycle = 0x3003;
	o->meas_len = 32;
	o->config_len = 4;
	memset(o->nonce, 0x5a, sizeof(o->nonce));
	memset(o->rim, 0x11, sizeof(o->rim));
	memset(o->realm_id, 0x22, sizeof(o->realm_id));
	memset(o->membership_digest, 0x33, sizeof(o->membership_digest));
	o->rpv[0] = 0x70;
	o->region_role = 1;
	o->region_perms = CSM_PERM_READ | CSM_PERM_WRITE;
	memset(o->owner_realm_id, 0x01, sizeof(o->owner_realm_id));
	o->owner_realm_id_len = sizeof(o->owner_realm_id);
	memset(o->acl_digest, 0x66, 32);
	o->acl_digest_len = 32;
}

static int64_t alg_for_key(EVP_PKEY *key)
{
	switch (EVP_PKEY_get_bits(key)) {
	case 256:
		return COSE_ALG_ES256;
	case 384:
		return COSE_ALG_ES384;
	default:
		return COSE_ALG_ES512;
	}
}

size_t tb_sign1(EVP_PKEY *key, const uint8_t *payload, size_t payload_len, uint8_t *out, size_t cap)
{
	int64_t alg = alg_for_key(key);
	uint8_t prot[8];
	struct cbor_writer w;
	size_t prot_len, tbs_len, n;

	cbor_writer_init(&w, prot, sizeof(prot));
	cbor_put_map(&w, 1);
	cbor_put_int(&w, COSE_HDR_ALG);
	cbor_put_int(&w, alg);
	assert_int_equal(cbor_writer_finish(&w, &prot_len), 0);

	static uint8_t tbs[16384];
	cbor_writer_init(&w, tbs, sizeof(tbs));
	cose_sig_structure_write(&w, (struct cca_bytes){ prot, prot_len },
				 (struct cca_bytes){ payload, payload_len });
	assert_int_equal(cbor_writer_finish(&w, &tbs_len), 0);

	const EVP_MD *md = alg == COSE_ALG_ES256 ? EVP_sha256()
			   : alg == COSE_ALG_ES384 ? EVP_sha384()
						   : EVP_sha512();
	uint8_t der[160];
	size_t der_len = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_len, tbs, tbs_len), 1);
	EVP_MD_CTX_free(ctx);

	/* DER -> raw r||s, each half the curve size. */
	size_t half = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
	uint8_t raw[2 * 66];
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, (int)half), (int)half);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + half, (int)half), (int)half);
	ECDSA_SIG_free(sig);

	cbor_writer_init(&w, out, cap);
	cbor_put_tag(&w, COSE_TAG_SIGN1);
	cbor_put_array(&w, 4);
	cbor_put_bstr(&w, prot, prot_len);
	cbor_put_map(&w, 0);
	cbor_put_bstr(&w, payload, payload_len);
	cbor_put_bstr(&w, raw, 2 * half);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

size_t tb_collection(uint64_t tag, const uint8_t *plat, size_t plat_len, const uint8_t *realm,
		     size_t realm_len, uint8_t *out, size_t cap)
{
	struct cbor_writer w;
	size_t n;
	cbor_writer_init(&w, out, cap);
	cbor_put_tag(&w, tag);
	cbor_put_map(&w, 2);
	cbor_put_uint(&w, CCA_COLLECTION_PLATFORM);
	if (tag == CCA_TAG_COLLECTION) {
		cbor_put_array(&w, 2);
		cbor_put_uint(&w, CCA_CONTENT_FORMAT_SIGN1);
	}
	cbor_put_bstr(&w, plat, plat_len);
	cbor_put_uint(&w, CCA_COLLECTION_REALM);
	if (tag == CCA_TAG_COLLECTION) {
		cbor_put_array(&w, 2);
		cbor_put_uint(&w, CCA_CONTENT_FORMAT_SIGN1);
	}
	cbor_put_bstr(&w, realm, realm_len);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

static size_t rak_claim_bytes(const struct tb_options *o, uint8_t *out, size_t cap)
{
	uint8_t point[1 + 2 * 66];
	size_t n = pubkey_to_sec1(o->rak, point, sizeof(point));
	assert_true(n == 65 || n == 97 || n == 133);
	if (o->rak_as_sec1) {
		assert_true(n <= cap);
		memcpy(out, point, n);
		return n;
	}
	size_t coord = (n - 1) / 2;
	struct cbor_writer w;
	cbor_writer_init(&w, out, cap);
	cbor_put_map(&w, 4);
	cbor_put_int(&w, COSE_KEY_KTY);
	cbor_put_int(&w, COSE_KTY_EC2);
	cbor_put_int(&w, COSE_KEY_CRV);
	cbor_put_int(&w, coord == 32 ? COSE_CRV_P256 : coord == 48 ? COSE_CRV_P384 : COSE_CRV_P521);
	cbor_put_int(&w, COSE_KEY_X);
	cbor_put_bstr(&w, point + 1, coord);
	cbor_put_int(&w, COSE_KEY_Y);
	cbor_put_bstr(&w, point + 1 + coord, coord);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

/* Writes key/value unless omitted; counts pairs. */
#define CLAIM(key, ...)                                    \
	do {                                               \
		if ((key) != omit) {                       \
			cbor_put_int(w, (key));            \
			__VA_ARGS__;                       \
			pairs++;                           \
		}                                          \
	} while (0)

/* Claim 65002's region map: keys 1..9, less the omitted one, plus the extra one. */
static void write_region(const struct tb_options *o, struct cbor_writer *w)
{
	int64_t omit = o->omit_region_key;
	size_t pairs = CAEC_REGION_FLAGS - (omit >= 1 && omit <= CAEC_REGION_FLAGS) +
		       (o->extra_region_key != 0);
	cbor_put_map(w, pairs);
	pairs = 0;
	CLAIM(CAEC_REGION_CSM_ID, cbor_put_uint(w, 0x1234567890abcdefull));
	CLAIM(CAEC_REGION_ROLE, cbor_put_uint(w, o->region_role));
	CLAIM(CAEC_REGION_PERMS, cbor_put_uint(w, o->region_perms));
	CLAIM(CAEC_REGION_OWNER_RIM, cbor_put_bstr(w, o->owner_rim, o->meas_len));
	CLAIM(CAEC_REGION_MEMBERSHIP_DIGEST, cbor_put_bstr(w, o->membership_digest, 32));
	CLAIM(CAEC_REGION_GENERATION, cbor_put_uint(w, 7));
	assert_true(o->owner_realm_id_len <= sizeof(o->owner_realm_id));
	CLAIM(CAEC_REGION_OWNER_REALM_ID, cbor_put_bstr(w, o->owner_realm_id, o->owner_realm_id_len));
	assert_true(o->acl_digest_len <= sizeof(o->acl_digest));
	CLAIM(CAEC_REGION_ACL_DIGEST, cbor_put_bstr(w, o->acl_digest, o->acl_digest_len));
	CLAIM(CAEC_REGION_FLAGS, cbor_put_uint(w, o->region_flags));
	if (o->extra_region_key)
		CLAIM(o->extra_region_key, cbor_put_uint(w, 0));
	(void)pairs;
}

static size_t realm_claims(const struct tb_options *o, struct cbor_writer *w, const uint8_t *rak,
			   size_t rak_len)
{
	static const uint8_t zero[64];
	int64_t omit = o->omit_realm_claim;
	size_t pairs = 0;

	CLAIM(CCA_CLAIM_PROFILE,
	      cbor_put_tstr(w, o->realm_profile ? o->realm_profile : CCA_REALM_PROFILE));
	CLAIM(CCA_CLAIM_CHALLENGE, cbor_put_bstr(w, o->nonce, 64));
	CLAIM(CCA_REALM_PERSONALIZATION, cbor_put_bstr(w, o->rpv, 64));
	CLAIM(CCA_REALM_HASH_ALG, cbor_put_tstr(w, "sha-256"));
	CLAIM(CCA_REALM_PUB_KEY_HASH_ALG, cbor_put_tstr(w, cca_hash_name(o->rak_hash_alg)));
	CLAIM(CCA_REALM_PUB_KEY, cbor_put_bstr(w, rak, rak_len));
	assert_true(o->meas_len <= sizeof(o->rim));
	CLAIM(CCA_REALM_INITIAL_MEAS, cbor_put_bstr(w, o->rim, o->meas_len));
	CLAIM(CCA_REALM_EXTENSIBLE_MEAS, cbor_put_array(w, 4); for (int i = 0; i < 4; i++)
						    cbor_put_bstr(w, zero, o->meas_len));
	if (o->caec_claims) {
		CLAIM(CAEC_CLAIM_REALM_ID, cbor_put_bstr(w, o->realm_id, 32));
		CLAIM(CAEC_CLAIM_REGIONS, {
			cbor_put_array(w, 1);
			write_region(o, w);
		});
		CLAIM(CAEC_CLAIM_POLICY_DIGEST, cbor_put_bstr(w, o->membership_digest, 32));
		CLAIM(CAEC_CLAIM_CONFIG_FLAGS, cbor_put_uint(w, 1));
	}
	if (o->extra_realm_claim)
		CLAIM(o->extra_realm_claim, cbor_put_tstr(w, "unexpected"));
	if (o->duplicate_realm_claim)
		CLAIM(o->duplicate_realm_claim, cbor_put_bstr(w, o->rim, 32));
	return pairs;
}

static size_t platform_claims(const struct tb_options *o, struct cbor_writer *w,
			      const uint8_t *challenge, size_t challenge_len)
{
	static const uint8_t impl[32] = { 0x7f, 0x45, 0x4c, 0x46 };
	static const uint8_t inst[33] = { 0x01, 0x02 };
	static const uint8_t meas[32] = { 0x9a }, signer[32] = { 0x53 };
	static uint8_t config[TB_MAX_CONFIG];
	int64_t omit = o->omit_platform_claim;
	size_t pairs = 0;

	CLAIM(CCA_CLAIM_PROFILE,
	      cbor_put_tstr(w, o->platform_profile ? o->platform_profile : CCA_PLATFORM_PROFILE));
	CLAIM(CCA_CLAIM_CHALLENGE, cbor_put_bstr(w, challenge, challenge_len));
	CLAIM(CCA_PLAT_IMPLEMENTATION_ID, cbor_put_bstr(w, impl, sizeof(impl)));
	CLAIM(CCA_PLAT_INSTANCE_ID, cbor_put_bstr(w, inst, sizeof(inst)));
	assert_true(o->config_len <= sizeof(config));
	memset(config, 0xcf, o->config_len);
	CLAIM(CCA_PLAT_CONFIG, cbor_put_bstr(w, config, o->config_len));
	CLAIM(CCA_PLAT_LIFECYCLE, cbor_put_uint(w, o->lifecycle));
	CLAIM(CCA_PLAT_SW_COMPONENTS, {
		cbor_put_array(w, 1);
		cbor_put_map(w, 4);
		cbor_put_uint(w, CCA_SWC_TYPE);
		cbor_put_tstr(w, "RMM");
		cbor_put_uint(w, CCA_SWC_MEASUREMENT);
		cbor_put_bstr(w, meas, sizeof(meas));
		cbor_put_uint(w, CCA_SWC_SIGNER_ID);
		cbor_put_bstr(w, signer, sizeof(signer));
		cbor_put_uint(w, CCA_SWC_HASH_ALG);
		cbor_put_tstr(w, "sha-256");
	});
	CLAIM(CCA_PLAT_VERIFICATION_SERVICE, cbor_put_tstr(w, "https://verifier.example"));
	CLAIM(CCA_PLAT_HASH_ALG, cbor_put_tstr(w, "sha-256"));
	return pairs;
}

/* Claims go in a map whose count is known only after writing: write twice. */
static size_t claims_map(size_t (*body)(struct cbor_writer *, const void *), const void *ctx,
			 uint8_t *out, size_t cap)
{
	static uint8_t scratch[16384];
	struct cbor_writer w;
	size_t body_len, n;
	cbor_writer_init(&w, scratch, sizeof(scratch));
	size_t pairs = body(&w, ctx);
	assert_int_equal(cbor_writer_finish(&w, &body_len), 0);
	cbor_writer_init(&w, out, cap);
	cbor_put_map(&w, pairs);
	cbor_put_raw(&w, scratch, body_len);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

struct realm_ctx {
	const struct tb_options *o;
	const uint8_t *rak;
	size_t rak_len;
};
struct platform_ctx {
	const struct tb_options *o;
	const uint8_t *challenge;
	size_t challenge_len;
};

static size_t realm_body(struct cbor_writer *w, const void *p)
{
	const struct realm_ctx *c = p;
	return realm_claims(c->o, w, c->rak, c->rak_len);
}

static size_t platform_body(struct cbor_writer *w, const void *p)
{
	const struct platform_ctx *c = p;
	return platform_claims(c->o, w, c->challenge, c->challenge_len);
}

size_t tb_build(const struct tb_options *o, uint8_t *out, size_t cap)
{
	static uint8_t rak[256], realm_payload[8192], plat_payload[16384], realm[9000], plat[17000];
	size_t rak_len = rak_claim_bytes(o, rak, sizeof(rak));

	uint8_t binder[64];
	size_t binder_len = cca_hash(o->rak_hash_alg, rak, rak_len, binder);
	assert_true(binder_len > 0);
	if (o->corrupt_binder)
		binder[binder_len / 2] ^= 0x01;

	struct realm_ctx rc = { o, rak, rak_len };
	struct platform_ctx pc = { o, binder, binder_len };
	size_t rp = claims_map(realm_body, &rc, realm_payload, sizeof(realm_payload));
	size_t pp = claims_map(platform_body, &pc, plat_payload, sizeof(plat_payload));
	size_t rl = tb_sign1(o->rak, realm_payload, rp, realm, sizeof(realm));
	size_t pl = tb_sign1(o->platform_key, plat_payload, pp, plat, sizeof(plat));
	return tb_collection(o->tag, plat, pl, realm, rl, out, cap);
}

/* ---- CAEC claims at will (tb_build_caec) ------------------------------------ */

struct caec_realm_ctx {
	struct tb_options o; /* 44236 omitted: written with the chosen algorithm */
	const struct tb_caec *caec;
	const uint8_t *rak;
	size_t rak_len;
};

static void write_tb_region(struct cbor_writer *w, const struct tb_region *r, size_t hs)
{
	cbor_put_map(w, 9);
	cbor_put_uint(w, CAEC_REGION_CSM_ID);
	cbor_put_uint(w, r->csm_id);
	cbor_put_uint(w, CAEC_REGION_ROLE);
	cbor_put_uint(w, r->role);
	cbor_put_uint(w, CAEC_REGION_PERMS);
	cbor_put_uint(w, r->perms);
	cbor_put_uint(w, CAEC_REGION_OWNER_RIM);
	cbor_put_bstr(w, r->owner_rim, hs);
	cbor_put_uint(w, CAEC_REGION_MEMBERSHIP_DIGEST);
	cbor_put_bstr(w, r->membership_digest, hs);
	cbor_put_uint(w, CAEC_REGION_GENERATION);
	cbor_put_uint(w, r->generation);
	cbor_put_uint(w, CAEC_REGION_OWNER_REALM_ID);
	cbor_put_bstr(w, r->owner_realm_id, sizeof(r->owner_realm_id));
	cbor_put_uint(w, CAEC_REGION_ACL_DIGEST);
	cbor_put_bstr(w, r->acl_digest, hs);
	cbor_put_uint(w, CAEC_REGION_FLAGS);
	cbor_put_uint(w, r->flags);
}

static size_t caec_realm_body(struct cbor_writer *w, const void *p)
{
	const struct caec_realm_ctx *c = p;
	const struct tb_caec *k = c->caec;
	size_t hs = cca_hash_size(k->hash_alg);
	size_t pairs = realm_claims(&c->o, w, c->rak, c->rak_len);

	assert_true(k->num_regions <= CAEC_MAX_REGIONS);
	cbor_put_int(w, CCA_REALM_HASH_ALG);
	cbor_put_tstr(w, cca_hash_name(k->hash_alg));
	cbor_put_int(w, CAEC_CLAIM_REALM_ID);
	cbor_put_bstr(w, k->realm_id, sizeof(k->realm_id));
	cbor_put_int(w, CAEC_CLAIM_REGIONS);
	cbor_put_array(w, k->num_regions);
	for (size_t i = 0; i < k->num_regions; i++)
		write_tb_region(w, &k->regions[i], hs);
	pairs += 3;
	if (k->has_policy_digest) {
		cbor_put_int(w, CAEC_CLAIM_POLICY_DIGEST);
		cbor_put_bstr(w, k->policy_digest, hs);
		pairs++;
	}
	cbor_put_int(w, CAEC_CLAIM_CONFIG_FLAGS);
	cbor_put_uint(w, k->config_flags);
	return pairs + 1;
}

size_t tb_build_caec(const struct tb_options *o, const struct tb_caec *caec, uint8_t *out, size_t cap)
{
	static uint8_t rak[256], realm_payload[16384], plat_payload[16384], realm[17000], plat[17000];
	struct caec_realm_ctx rc = { *o, caec, rak, 0 };
	rc.o.caec_claims = false;
	rc.o.omit_realm_claim = CCA_REALM_HASH_ALG;
	rc.rak_len = rak_claim_bytes(o, rak, sizeof(rak));

	uint8_t binder[64];
	size_t binder_len = cca_hash(o->rak_hash_alg, rak, rc.rak_len, binder);
	assert_true(binder_len > 0);
	if (o->corrupt_binder)
		binder[binder_len / 2] ^= 0x01;

	struct platform_ctx pc = { o, binder, binder_len };
	size_t rp = claims_map(caec_realm_body, &rc, realm_payload, sizeof(realm_payload));
	size_t pp = claims_map(platform_body, &pc, plat_payload, sizeof(plat_payload));
	size_t rl = tb_sign1(o->rak, realm_payload, rp, realm, sizeof(realm));
	size_t pl = tb_sign1(o->platform_key, plat_payload, pp, plat, sizeof(plat));
	return tb_collection(o->tag, plat, pl, realm, rl, out, cap);
}
