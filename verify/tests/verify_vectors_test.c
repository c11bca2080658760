/*
 * The third-party CCA vectors (Veraison) judged as their README says: both
 * signed tokens valid with their platform key (PEM and JWK), invalid with any
 * other key; the bare claims maps well-formed, strict/lenient about unknown
 * keys, and the map without a challenge refused.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "test_files.h"
#include "verify/pubkey.h"
#include "verify/token.h"

static const char *const signed_tokens[] = { "cca-token-01.cbor", "cca-token-draft-ffm-00.cbor" };

static EVP_PKEY *load_key(const char *name)
{
	char why[PUBKEY_WHY_MAX];
	EVP_PKEY *key = NULL;
	int rc = pubkey_load_file(test_vector_path(name), &key, why);
	if (rc != 0)
		fail_msg("%s: %s", name, why);
	return key;
}

static int verify_with(const char *token, EVP_PKEY *key, bool strict, struct verify_result *res)
{
	size_t len;
	uint8_t *buf = test_read_vector(token, &len);
	struct cca_token *tok = malloc(sizeof(*tok));
	struct verify_options opts = { .platform_keys = &key, .num_platform_keys = 1, .strict = strict };
	int rc = cca_token_verify(buf, len, &opts, tok, res);
	free(tok);
	free(buf);
	return rc;
}

static void signed_tokens_valid_with_pem_key(void **state)
{
	(void)state;
	EVP_PKEY *key = load_key("cca_platform.pub");
	for (size_t i = 0; i < 2; i++) {
		struct verify_result res;
		int rc = verify_with(signed_tokens[i], key, false, &res);
		if (rc != 0)
			fail_msg("%s: %s: %s", signed_tokens[i], verify_check_name(res.failed), res.reason);
		assert_int_equal(res.failed, VERIFY_CHECK_NONE);
		/* Nothing in them needed leniency. */
		assert_int_equal(res.num_notes, 0);
		/* Both are known, well-formed profiles: strict mode accepts them too. */
		assert_int_equal(verify_with(signed_tokens[i], key, true, &res), 0);
	}
	EVP_PKEY_free(key);
}

static void signed_tokens_valid_with_jwk_key(void **state)
{
	(void)state;
	EVP_PKEY *key = load_key("cpak.json");
	for (size_t i = 0; i < 2; i++) {
		struct verify_result res;
		assert_int_equal(verify_with(signed_tokens[i], key, false, &res), 0);
	}
	EVP_PKEY_free(key);
}

static void signed_tokens_rejected_with_other_key(void **state)
{
	(void)state;
	static const char *const curves[] = { "P-384", "P-256" };
	for (size_t c = 0; c < 2; c++) {
		EVP_PKEY *other = EVP_EC_gen(curves[c]);
		assert_non_null(other);
		for (size_t i = 0; i < 2; i++) {
			struct verify_result res;
			assert_int_not_equal(verify_with(signed_tokens[i], other, false, &res), 0);
			assert_int_equal(res.failed, VERIFY_CHECK_PLATFORM_SIGNATURE);
		}
		EVP_PKEY_free(other);
	}
}

static void signed_tokens_rejected_without_key(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = test_read_vector("cca-token-01.cbor", &len);
	struct cca_token *tok = malloc(sizeof(*tok));
	struct verify_options opts = { 0 };
	struct verify_result res;
	assert_int_not_equal(cca_token_verify(buf, len, &opts, tok, &res), 0);
	assert_int_equal(res.failed, VERIFY_CHECK_PLATFORM_SIGNATURE);
	free(tok);
	free(buf);
}

static void ffm_token_claims_decoded(void **state)
{
	(void)state;
	static const uint8_t rim[32] = { 0x31, 0x13, 0x14, 0xab, 0x73, 0x62, 0x03, 0x50, 0xcf, 0x75, 0x88,
					 0x34, 0xae, 0x5c, 0x65, 0xd9, 0xe8, 0xc2, 0xdc, 0x7f, 0xeb, 0xe6,
					 0xe7, 0xd9, 0x65, 0x4b, 0xbe, 0x86, 0x4e, 0x30, 0x0d, 0x49 };
	size_t len;
	uint8_t *buf = test_read_vector("cca-token-draft-ffm-00.cbor", &len);
	struct cca_token *tok = malloc(sizeof(*tok));
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_equal(cca_token_decode(buf, len, false, tok, &res), 0);
	assert_int_equal(tok->tag, CCA_TAG_COLLECTION_LEGACY);
	assert_true(tok->realm_claims.has_profile);
	assert_true(cca_text_eq(tok->realm_claims.profile, CCA_REALM_PROFILE));
	assert_true(cca_text_eq(tok->platform_claims.profile, CCA_PLATFORM_PROFILE));
	assert_int_equal(tok->realm_claims.rim.len, 32);
	assert_memory_equal(tok->realm_claims.rim.ptr, rim, 32);
	assert_int_equal(tok->realm_claims.rak.ptr[0] >> 5, 5); /* COSE_Key map */
	assert_int_equal(tok->platform_claims.num_sw_components, 13);
	assert_int_equal(cca_lifecycle_state(tok->platform_claims.lifecycle), CCA_LIFECYCLE_SECURED);
	assert_int_equal(tok->platform.alg, COSE_ALG_ES384);
	assert_false(tok->realm_claims.has_realm_id);
	free(tok);
	free(buf);
}

static int decode_realm_file(const char *name, bool strict, struct verify_result *res)
{
	size_t len;
	uint8_t *buf = test_read_vector(name, &len);
	struct cca_realm_claims *c = malloc(sizeof(*c));
	verify_result_clear(res);
	int rc = cca_realm_claims_decode(buf, len, strict, c, res);
	free(c);
	free(buf);
	return rc;
}

static void realm_claims_well_formed(void **state)
{
	(void)state;
	struct verify_result res;
	assert_int_equal(decode_realm_file("realm-claims.cbor", true, &res), 0);
	assert_int_equal(decode_realm_file("realm-claims.cbor", false, &res), 0);
}

static void spurious_keys_strict_reports_lenient_ignores(void **state)
{
	(void)state;
	static const char *const files[] = { "realm-claims+spurious-numeric-key.cbor",
					     "realm-claims+spurious-text-key.cbor" };
	static const char *const names[] = { "claim 1234567", "claim \"unknown-key\"" };
	for (size_t i = 0; i < 2; i++) {
		struct verify_result res;
		assert_int_equal(decode_realm_file(files[i], false, &res), 0);
		assert_int_not_equal(decode_realm_file(files[i], true, &res), 0);
		assert_int_equal(res.failed, VERIFY_CHECK_REALM_CLAIMS);
		assert_non_null(strstr(res.reason, "unknown"));
		assert_non_null(strstr(res.reason, names[i]));
	}
}

static void missing_challenge_refused(void **state)
{
	(void)state;
	struct verify_result res;
	for (int strict = 0; strict < 2; strict++) {
		assert_int_not_equal(decode_realm_file("realm-claims-missing-challenge.cbor", strict, &res), 0);
		assert_int_equal(res.failed, VERIFY_CHECK_REALM_CLAIMS);
		assert_non_null(strstr(res.reason, "mandatory claim 10 "));
	}
}

static void platform_claims_well_formed(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = test_read_vector("platform-claims.cbor", &len);
	struct cca_platform_claims *c = malloc(sizeof(*c));
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_equal(cca_platform_claims_decode(buf, len, true, c, &res), 0);
	assert_int_equal(c->num_sw_components, 2);
	assert_int_equal(c->lifecycle, 12288);
	assert_true(cca_text_eq(c->profile, CCA_PLATFORM_PROFILE_LEGACY));
	/* A realm claims map is not a platform claims map. */
	free(buf);
	buf = test_read_vector("realm-claims.cbor", &len);
	assert_int_not_equal(cca_platform_claims_decode(buf, len, false, c, &res), 0);
	assert_int_equal(res.failed, VERIFY_CHECK_PLATFORM_CLAIMS);
	free(c);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_tokens_valid_with_pem_key),
		cmocka_unit_test(signed_tokens_valid_with_jwk_key),
		cmocka_unit_test(signed_tokens_rejected_with_other_key),
		cmocka_unit_test(signed_tokens_rejected_without_key),
		cmocka_unit_test(ffm_token_claims_decoded),
		cmocka_unit_test(realm_claims_well_formed),
		cmocka_unit_test(spurious_keys_strict_reports_lenient_ignores),
		cmocka_unit_test(missing_challenge_refused),
		cmocka_unit_test(platform_claims_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
