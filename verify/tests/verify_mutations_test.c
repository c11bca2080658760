/*
 * Tampered tokens are refused by the right check: every signature byte of
 * the shared vectors flipped in turn, every truncation, each mandatory claim
 * removed and re-signed, the binder broken, a wrong nonce, duplicate and
 * (strict) unknown claims; and tokens of this project's own producer with
 * ES256/ES384/ES512, tag 907 and 399, COSE_Key and SEC1 RAKs are accepted.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "abi/caec.h"
#include "test_files.h"
#include "token_builder.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define BUF_SIZE 16384

struct keys {
	EVP_PKEY *p256, *p384, *p521;
	EVP_PKEY *vector_cpak;
};

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	char why[PUBKEY_WHY_MAX];
	k->p256 = EVP_EC_gen("P-256");
	k->p384 = EVP_EC_gen("P-384");
	k->p521 = EVP_EC_gen("P-521");
	if (pubkey_load_file(test_vector_path("cca_platform.pub"), &k->vector_cpak, why) != 0)
		return -1;
	*state = k;
	return k->p256 && k->p384 && k->p521 ? 0 : -1;
}

static int teardown(void **state)
{
	struct keys *k = *state;
	EVP_PKEY_free(k->p256);
	EVP_PKEY_free(k->p384);
	EVP_PKEY_free(k->p521);
	EVP_PKEY_free(k->vector_cpak);
	free(k);
	return 0;
}

/* Verifies buf with one platform key; returns the failed check (NONE when valid). */
static enum verify_check run(const uint8_t *buf, size_t len, EVP_PKEY *cpak, const uint8_t *nonce,
			     bool strict, struct verify_result *res)
{
	static struct cca_token tok;
	struct verify_options opts = { .platform_keys = &cpak, .num_platform_keys = 1,
				       .nonce = nonce, .nonce_len = nonce ? 64 : 0, .strict = strict };
	int rc = cca_token_verify(buf, len, &opts, &tok, res);
	assert_int_equal(rc == 0, res->failed == VERIFY_CHECK_NONE);
	return res->failed;
}

static void expect_verdict(const uint8_t *buf, size_t len, EVP_PKEY *cpak, const uint8_t *nonce,
			 bool strict, enum verify_check want)
{
	struct verify_result res;
	enum verify_check got = run(buf, len, cpak, nonce, strict, &res);
	if (got != want)
		fail_msg("expected %s, got %s (%s)", verify_check_name(want), verify_check_name(got),
			 res.reason);
}

static void own_tokens_accepted_all_algs_and_tags(void **state)
{
	struct keys *k = *state;
	EVP_PKEY *algs[] = { k->p256, k->p384, k->p521 };
	static const uint64_t tags[] = { CCA_TAG_COLLECTION, CCA_TAG_COLLECTION_LEGACY };
	static uint8_t buf[BUF_SIZE];
	for (size_t p = 0; p < 3; p++)
		for (size_t r = 0; r < 3; r++)
			for (size_t t = 0; t < 2; t++)
				for (int sec1 = 0; sec1 < 2; sec1++) {
					struct tb_options o;
					tb_defaults(&o, algs[p], algs[r]);
					o.tag = tags[t];
					o.rak_as_sec1 = sec1;
					o.rak_hash_alg = (enum cca_hash_alg)r;
					size_t n = tb_build(&o, buf, sizeof(buf));
					expect_verdict(buf, n, algs[p], o.nonce, true, VERIFY_CHECK_NONE);
				}
}

static void caec_claims_decoded(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	static struct cca_token tok;
	struct tb_options o;
	tb_defaults(&o, k->p384, k->p384);
	o.caec_claims = true;
	size_t n = tb_build(&o, buf, sizeof(buf));
	struct verify_options opts = { .platform_keys = &k->p384, .num_platform_keys = 1, .strict = true };
	struct verify_result res;
	assert_int_equal(cca_token_verify(buf, n, &opts, &tok, &res), 0);
	const struct cca_realm_claims *c = &tok.realm_claims;
	assert_true(c->has_realm_id);
	assert_memory_equal(c->realm_id.ptr, o.realm_id, 32);
	assert_true(c->has_regions);
	assert_int_equal(c->num_regions, 1);
	assert_int_equal(c->regions[0].csm_id, 0x1234567890abcdefull);
	assert_int_equal(c->regions[0].role, 1);
	assert_int_equal(c->regions[0].perms, 3);
	assert_int_equal(c->regions[0].generation, 7);
	assert_memory_equal(c->regions[0].membership_digest.ptr, o.membership_digest, 32);
	assert_int_equal(c->regions[0].owner_realm_id.len, 32);
	assert_memory_equal(c->regions[0].owner_realm_id.ptr, o.owner_realm_id, 32);
	assert_int_equal(c->regions[0].acl_digest.len, 32);
	assert_memory_equal(c->regions[0].acl_digest.ptr, o.acl_digest, 32);
	assert_int_equal(c->regions[0].flags, 0);
	assert_true(c->has_policy_digest);
	assert_true(c->has_config_flags);
	assert_int_equal(c->config_flags, 1);
}

/*
 * Claim 65002 mutated and re-signed: each of the nine keys removed, keys 7
 * and 8 of the wrong size, perms with an admit count or unknown bits, and
 * flags with unknown bits (a note, refused in strict mode), an unknown key
 * (skipped, refused in strict mode).
 */
static void region_claim_mutations(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	struct verify_result res;

	for (int64_t key = CAEC_REGION_CSM_ID; key <= CAEC_REGION_FLAGS; key++) {
		char want[48];
		tb_defaults(&o, k->p256, k->p256);
		o.caec_claims = true;
		o.omit_region_key = key;
		size_t n = tb_build(&o, buf, sizeof(buf));
		assert_int_equal(run(buf, n, k->p256, NULL, false, &res), VERIFY_CHECK_REALM_CLAIMS);
		snprintf(want, sizeof(want), "region without key %d", (int)key);
		if (!strstr(res.reason, want))
			fail_msg("key %d omitted: %s", (int)key, res.reason);
	}
	static const struct {
		size_t realm_id_len, acl_len;
		uint64_t perms, flags;
		int64_t extra;
		bool ok_lenient, ok_strict;
		const char *reason; /* of the failure, or of the lenient note */
	} cases[] = {
		{ 32, 32, 3, 0, 0, true, true, NULL },
		{ 32, 32, 1, 3, 0, true, true, NULL }, /* owner destroyed and sealed */
		{ 31, 32, 3, 0, 0, false, false, "claim 65002 key 7: 31 bytes, must be 32" },
		{ 0, 32, 3, 0, 0, false, false, "claim 65002 key 7: 0 bytes, must be 32" },
		{ 32, 31, 3, 0, 0, false, false, "claim 65002 key 8: 31 bytes" },
		{ 32, 48, 3, 0, 0, false, false, "ACL digest is 48 bytes, sha-256 needs 32" },
		{ 32, 64, 3, 0, 0, false, false, "ACL digest is 64 bytes, sha-256 needs 32" },
		/* A mapping's perms carry no admit count. */
		{ 32, 32, 0x103, 0, 0, false, false, "claim 65002 key 3: 259 is above the maximum 3" },
		{ 32, 32, 4, 0, 0, false, false, "claim 65002 key 3: 4 is above the maximum 3" },
		{ 32, 32, 3, 4, 0, true, false, "flags 0x4" },
		{ 32, 32, 3, 0x8002, 0, true, false, "flags 0x8002" },
		{ 32, 32, 3, 0, 10, true, false, "unknown claim 65002 key 10" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tb_defaults(&o, k->p256, k->p256);
		o.caec_claims = true;
		o.owner_realm_id_len = cases[i].realm_id_len;
		o.acl_digest_len = cases[i].acl_len;
		memset(o.acl_digest, 0x66, sizeof(o.acl_digest));
		o.region_perms = cases[i].perms;
		o.region_flags = cases[i].flags;
		o.extra_region_key = cases[i].extra;
		size_t n = tb_build(&o, buf, sizeof(buf));
		for (int strict = 0; strict < 2; strict++) {
			bool ok = strict ? cases[i].ok_strict : cases[i].ok_lenient;
			enum verify_check got = run(buf, n, k->p256, NULL, strict, &res);
			if (got != (ok ? VERIFY_CHECK_NONE : VERIFY_CHECK_REALM_CLAIMS))
				fail_msg("case %zu (strict %d): %s: %s", i, strict, verify_check_name(got),
					 res.reason);
			if (!ok && !strstr(res.reason, cases[i].reason))
				fail_msg("case %zu (strict %d): \"%s\" lacks \"%s\"", i, strict, res.reason,
					 cases[i].reason);
		}
	}
	/* Unknown flag bits: one note naming the region in lenient mode. */
	tb_defaults(&o, k->p256, k->p256);
	o.caec_claims = true;
	o.region_flags = 0x6;
	size_t n = tb_build(&o, buf, sizeof(buf));
	assert_int_equal(run(buf, n, k->p256, NULL, false, &res), VERIFY_CHECK_NONE);
	assert_int_equal(res.num_notes, 1);
	assert_string_equal(res.notes[0].rule, "unknown-region-flags");
	assert_non_null(strstr(res.notes[0].text, "region 0x1234567890abcdef flags 0x6"));
	assert_int_equal(run(buf, n, k->p256, NULL, true, &res), VERIFY_CHECK_REALM_CLAIMS);
	assert_non_null(strstr(res.reason, "region flags 0x6 carry unknown bits"));
}

/* Offset of a COSE signature inside the whole token buffer. */
static void signature_spans(const uint8_t *buf, size_t len, size_t *plat_off, size_t *plat_len,
			    size_t *realm_off, size_t *realm_len)
{
	static struct cca_token tok;
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_equal(cca_token_decode(buf, len, false, &tok, &res), 0);
	*plat_off = (size_t)(tok.platform.signature.ptr - buf);
	*plat_len = tok.platform.signature.len;
	*realm_off = (size_t)(tok.realm.signature.ptr - buf);
	*realm_len = tok.realm.signature.len;
}

static void every_signature_byte_flipped(void **state)
{
	struct keys *k = *state;
	static const char *const vectors[] = { "cca-token-01.cbor", "cca-token-draft-ffm-00.cbor" };
	for (size_t v = 0; v < 2; v++) {
		size_t len, po, pl, ro, rl;
		uint8_t *buf = test_read_vector(vectors[v], &len);
		signature_spans(buf, len, &po, &pl, &ro, &rl);
		assert_int_equal(pl, 96);
		assert_int_equal(rl, 96);
		for (size_t i = 0; i < pl; i++) {
			buf[po + i] ^= 0x01;
			expect_verdict(buf, len, k->vector_cpak, NULL, false, VERIFY_CHECK_PLATFORM_SIGNATURE);
			buf[po + i] ^= 0x01;
		}
		for (size_t i = 0; i < rl; i++) {
			buf[ro + i] ^= 0x80;
			expect_verdict(buf, len, k->vector_cpak, NULL, false, VERIFY_CHECK_REALM_SIGNATURE);
			buf[ro + i] ^= 0x80;
		}
		expect_verdict(buf, len, k->vector_cpak, NULL, false, VERIFY_CHECK_NONE);
		free(buf);
	}
}

static void every_payload_byte_flipped_is_refused(void **state)
{
	/* Flipping any byte of the signed content breaks the signature or the CBOR. */
	struct keys *k = *state;
	size_t len, po, pl, ro, rl;
	uint8_t *buf = test_read_vector("cca-token-01.cbor", &len);
	signature_spans(buf, len, &po, &pl, &ro, &rl);
	for (size_t i = 0; i < len; i++) {
		struct verify_result res;
		buf[i] ^= 0x04;
		assert_int_not_equal(run(buf, len, k->vector_cpak, NULL, false, &res), VERIFY_CHECK_NONE);
		buf[i] ^= 0x04;
	}
	free(buf);
}

static void truncation_at_every_length(void **state)
{
	struct keys *k = *state;
	static const char *const vectors[] = { "cca-token-01.cbor", "cca-token-draft-ffm-00.cbor" };
	for (size_t v = 0; v < 2; v++) {
		size_t len;
		uint8_t *full = test_read_vector(vectors[v], &len);
		for (size_t n = 0; n < len; n++) {
			/* A fresh allocation of exactly n bytes lets ASan catch any over-read. */
			uint8_t *cut = malloc(n ? n : 1);
			memcpy(cut, full, n);
			expect_verdict(cut, n, k->vector_cpak, NULL, false, VERIFY_CHECK_COLLECTION);
			free(cut);
		}
		free(full);
	}
}

/* Inner tokens truncated and re-wrapped: the structure check of that token fails. */
static void inner_token_truncation(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	static struct cca_token tok;
	size_t len;
	uint8_t *full = test_read_vector("cca-token-draft-ffm-00.cbor", &len);
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_equal(cca_token_decode(full, len, false, &tok, &res), 0);
	for (size_t n = 0; n < tok.platform_raw.len; n++) {
		size_t m = tb_collection(CCA_TAG_COLLECTION, tok.platform_raw.ptr, n, tok.realm_raw.ptr,
					 tok.realm_raw.len, buf, sizeof(buf));
		expect_verdict(buf, m, k->vector_cpak, NULL, false, VERIFY_CHECK_PLATFORM_TOKEN);
	}
	for (size_t n = 0; n < tok.realm_raw.len; n++) {
		size_t m = tb_collection(CCA_TAG_COLLECTION, tok.platform_raw.ptr, tok.platform_raw.len,
					 tok.realm_raw.ptr, n, buf, sizeof(buf));
		expect_verdict(buf, m, k->vector_cpak, NULL, false, VERIFY_CHECK_REALM_TOKEN);
	}
	/* Rewrapped whole, under tag 907, the vector still verifies. */
	size_t m = tb_collection(CCA_TAG_COLLECTION, tok.platform_raw.ptr, tok.platform_raw.len,
				 tok.realm_raw.ptr, tok.realm_raw.len, buf, sizeof(buf));
	expect_verdict(buf, m, k->vector_cpak, NULL, false, VERIFY_CHECK_NONE);
	free(full);
}

static void each_mandatory_claim_removed(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	static const int64_t realm_keys[] = { 10, 44235, 44236, 44237, 44238, 44239, 44240 };
	static const int64_t plat_keys[] = { 265, 10, 2396, 256, 2401, 2395, 2399, 2402 };
	for (size_t i = 0; i < sizeof(realm_keys) / sizeof(realm_keys[0]); i++) {
		struct tb_options o;
		struct verify_result res;
		char want[32];
		tb_defaults(&o, k->p384, k->p384);
		o.omit_realm_claim = realm_keys[i];
		size_t n = tb_build(&o, buf, sizeof(buf));
		assert_int_equal(run(buf, n, k->p384, NULL, false, &res), VERIFY_CHECK_REALM_CLAIMS);
		snprintf(want, sizeof(want), "mandatory claim %d ", (int)realm_keys[i]);
		assert_non_null(strstr(res.reason, want));
	}
	for (size_t i = 0; i < sizeof(plat_keys) / sizeof(plat_keys[0]); i++) {
		struct tb_options o;
		struct verify_result res;
		char want[32];
		tb_defaults(&o, k->p384, k->p384);
		o.omit_platform_claim = plat_keys[i];
		size_t n = tb_build(&o, buf, sizeof(buf));
		assert_int_equal(run(buf, n, k->p384, NULL, false, &res), VERIFY_CHECK_PLATFORM_CLAIMS);
		snprintf(want, sizeof(want), "mandatory claim %d ", (int)plat_keys[i]);
		assert_non_null(strstr(res.reason, want));
	}
	/* Optional claims may be left out. */
	struct tb_options o;
	tb_defaults(&o, k->p384, k->p384);
	o.omit_realm_claim = CCA_CLAIM_PROFILE;
	o.omit_platform_claim = CCA_PLAT_VERIFICATION_SERVICE;
	size_t n = tb_build(&o, buf, sizeof(buf));
	expect_verdict(buf, n, k->p384, NULL, true, VERIFY_CHECK_NONE);
}

static void binder_changed(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	tb_defaults(&o, k->p384, k->p256);
	o.corrupt_binder = true;
	size_t n = tb_build(&o, buf, sizeof(buf));
	expect_verdict(buf, n, k->p384, NULL, false, VERIFY_CHECK_BINDER);
	o.corrupt_binder = false;
	o.rak_as_sec1 = true;
	n = tb_build(&o, buf, sizeof(buf));
	expect_verdict(buf, n, k->p384, NULL, false, VERIFY_CHECK_NONE);
}

static void rak_swapped_fails_binder(void **state)
{
	/* A realm token signed by another RAK, with a platform token vouching for the first. */
	struct keys *k = *state;
	static uint8_t a[BUF_SIZE], b[BUF_SIZE], mix[BUF_SIZE];
	static struct cca_token ta, tb;
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	size_t na = tb_build(&o, a, sizeof(a));
	o.rak = k->p256;
	size_t nb = tb_build(&o, b, sizeof(b));
	verify_result_clear(&res);
	assert_int_equal(cca_token_decode(a, na, false, &ta, &res), 0);
	assert_int_equal(cca_token_decode(b, nb, false, &tb, &res), 0);
	size_t n = tb_collection(CCA_TAG_COLLECTION, ta.platform_raw.ptr, ta.platform_raw.len,
				 tb.realm_raw.ptr, tb.realm_raw.len, mix, sizeof(mix));
	expect_verdict(mix, n, k->p384, NULL, false, VERIFY_CHECK_BINDER);
}

static void wrong_nonce(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	tb_defaults(&o, k->p384, k->p384);
	size_t n = tb_build(&o, buf, sizeof(buf));
	uint8_t nonce[64];
	memcpy(nonce, o.nonce, 64);
	expect_verdict(buf, n, k->p384, nonce, false, VERIFY_CHECK_NONE);
	for (size_t i = 0; i < 64; i += 9) {
		nonce[i] ^= 1;
		expect_verdict(buf, n, k->p384, nonce, false, VERIFY_CHECK_NONCE);
		nonce[i] ^= 1;
	}
	/* The shared vector's challenge is 0xAB..; any other nonce is refused. */
	size_t len;
	uint8_t *vec = test_read_vector("cca-token-01.cbor", &len);
	memset(nonce, 0xab, 64);
	expect_verdict(vec, len, k->vector_cpak, nonce, false, VERIFY_CHECK_NONE);
	nonce[63] = 0xac;
	expect_verdict(vec, len, k->vector_cpak, nonce, false, VERIFY_CHECK_NONCE);
	free(vec);
}

static void unknown_claim_strict_only(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	tb_defaults(&o, k->p384, k->p384);
	o.extra_realm_claim = 1234567;
	size_t n = tb_build(&o, buf, sizeof(buf));
	expect_verdict(buf, n, k->p384, NULL, false, VERIFY_CHECK_NONE);
	expect_verdict(buf, n, k->p384, NULL, true, VERIFY_CHECK_REALM_CLAIMS);
}

static void duplicate_claim_refused(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	o.duplicate_realm_claim = CCA_REALM_INITIAL_MEAS;
	size_t n = tb_build(&o, buf, sizeof(buf));
	assert_int_equal(run(buf, n, k->p384, NULL, false, &res), VERIFY_CHECK_REALM_CLAIMS);
	assert_non_null(strstr(res.reason, "duplicate claim 44238"));
}

static void wrong_platform_key_curve(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	size_t n = tb_build(&o, buf, sizeof(buf));
	assert_int_equal(run(buf, n, k->p256, NULL, false, &res), VERIFY_CHECK_PLATFORM_SIGNATURE);
	assert_non_null(strstr(res.reason, "P-384"));
	/* Several keys: any one that verifies is enough. */
	EVP_PKEY *keys[] = { k->p256, k->p521, k->p384 };
	static struct cca_token tok;
	struct verify_options opts = { .platform_keys = keys, .num_platform_keys = 3 };
	assert_int_equal(cca_token_verify(buf, n, &opts, &tok, &res), 0);
	opts.num_platform_keys = 2;
	assert_int_not_equal(cca_token_verify(buf, n, &opts, &tok, &res), 0);
	assert_non_null(strstr(res.reason, "none of the 2"));
}

/*
 * RIM/REM sizes that are not the hash algorithm's (64-byte measurements under
 * "sha-256", as third-party tokens have): accepted with one note by default,
 * as Veraison accepts them, refused in strict mode. Sizes no digest has are
 * refused in both.
 */
static void measurement_size_lenient_unless_strict(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	static const size_t sizes[] = { 48, 64 };
	for (size_t i = 0; i < 2; i++) {
		struct tb_options o;
		struct verify_result res;
		char want[24];
		tb_defaults(&o, k->p384, k->p384);
		o.meas_len = sizes[i];
		size_t n = tb_build(&o, buf, sizeof(buf));
		assert_int_equal(run(buf, n, k->p384, o.nonce, false, &res), VERIFY_CHECK_NONE);
		assert_int_equal(res.num_notes, 1);
		assert_int_equal(res.notes[0].check, VERIFY_CHECK_REALM_CLAIMS);
		assert_string_equal(res.notes[0].rule, "measurement-size");
		snprintf(want, sizeof(want), "RIM %zu", sizes[i]);
		assert_non_null(strstr(res.notes[0].text, want));
		assert_non_null(strstr(res.notes[0].text, "sha-256"));
		assert_int_equal(run(buf, n, k->p384, o.nonce, true, &res), VERIFY_CHECK_REALM_CLAIMS);
		assert_non_null(strstr(res.reason, "claim 44238: RIM is"));
		assert_non_null(strstr(res.reason, "strict"));
	}
	/* The matching size needs no note. */
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	size_t n = tb_build(&o, buf, sizeof(buf));
	assert_int_equal(run(buf, n, k->p384, NULL, false, &res), VERIFY_CHECK_NONE);
	assert_int_equal(res.num_notes, 0);
	/* 40 bytes is no digest at all. */
	o.meas_len = 40;
	n = tb_build(&o, buf, sizeof(buf));
	for (int strict = 0; strict < 2; strict++) {
		assert_int_equal(run(buf, n, k->p384, NULL, strict, &res), VERIFY_CHECK_REALM_CLAIMS);
		assert_non_null(strstr(res.reason, "a digest is 32, 48 or 64"));
	}
}

/* Platform configuration has no size bound in the specification nor in Veraison. */
static void large_platform_config_accepted(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	static struct cca_token tok;
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	o.config_len = 5000;
	size_t n = tb_build(&o, buf, sizeof(buf));
	struct verify_options opts = { .platform_keys = &k->p384, .num_platform_keys = 1, .strict = true };
	assert_int_equal(cca_token_verify(buf, n, &opts, &tok, &res), 0);
	assert_int_equal(tok.platform_claims.config.len, 5000);
	assert_int_equal(res.num_notes, 0);
}

/* Veraison refuses an unknown profile; caec reads the claims anyway, with a note, unless strict. */
static void unknown_profile_noted_or_strict(void **state)
{
	struct keys *k = *state;
	static uint8_t buf[BUF_SIZE];
	for (int which = 0; which < 2; which++) {
		struct tb_options o;
		struct verify_result res;
		tb_defaults(&o, k->p384, k->p384);
		if (which)
			o.realm_profile = "tag:example.com,2030:realm#9\n";
		else
			o.platform_profile = "tag:example.com,2030:platform#9";
		enum verify_check check = which ? VERIFY_CHECK_REALM_CLAIMS : VERIFY_CHECK_PLATFORM_CLAIMS;
		size_t n = tb_build(&o, buf, sizeof(buf));
		assert_int_equal(run(buf, n, k->p384, NULL, false, &res), VERIFY_CHECK_NONE);
		assert_int_equal(res.num_notes, 1);
		assert_int_equal(res.notes[0].check, check);
		assert_string_equal(res.notes[0].rule, "unknown-profile");
		assert_non_null(strstr(res.notes[0].text, "tag:example.com,2030:"));
		assert_int_equal(run(buf, n, k->p384, NULL, true, &res), check);
		assert_non_null(strstr(res.reason, "unknown profile"));
		/* The control character is not printed. */
		assert_null(strchr(res.reason, '\n'));
	}
	/* The legacy platform profile is known. */
	struct tb_options o;
	struct verify_result res;
	tb_defaults(&o, k->p384, k->p384);
	o.platform_profile = CCA_PLATFORM_PROFILE_LEGACY;
	size_t n = tb_build(&o, buf, sizeof(buf));
	assert_int_equal(run(buf, n, k->p384, NULL, true, &res), VERIFY_CHECK_NONE);
	assert_int_equal(res.num_notes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_tokens_accepted_all_algs_and_tags),
		cmocka_unit_test(caec_claims_decoded),
		cmocka_unit_test(region_claim_mutations),
		cmocka_unit_test(every_signature_byte_flipped),
		cmocka_unit_test(every_payload_byte_flipped_is_refused),
		cmocka_unit_test(truncation_at_every_length),
		cmocka_unit_test(inner_token_truncation),
		cmocka_unit_test(each_mandatory_claim_removed),
		cmocka_unit_test(binder_changed),
		cmocka_unit_test(rak_swapped_fails_binder),
		cmocka_unit_test(wrong_nonce),
		cmocka_unit_test(unknown_claim_strict_only),
		cmocka_unit_test(duplicate_claim_refused),
		cmocka_unit_test(wrong_platform_key_curve),
		cmocka_unit_test(measurement_size_lenient_unless_strict),
		cmocka_unit_test(large_platform_config_accepted),
		cmocka_unit_test(unknown_profile_noted_or_strict),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
