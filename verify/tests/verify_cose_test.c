/*
 * COSE_Sign1 structure failures and EC key import failures, each refused
 * with its reason: the paths the shared vectors never take.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "token_builder.h"
#include "verify/cbor.h"
#include "verify/cose.h"
#include "verify/pubkey.h"

static void expect_sign1_error(const uint8_t *buf, size_t len, const char *reason)
{
	struct cose_sign1 s;
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_not_equal(cose_sign1_decode(buf, len, &s, VERIFY_CHECK_REALM_TOKEN, &res), 0);
	assert_int_equal(res.failed, VERIFY_CHECK_REALM_TOKEN);
	if (!strstr(res.reason, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", res.reason, reason);
}

/* tag 18 [protected, unprotected, payload, signature] with chosen parts. */
static size_t sign1(uint8_t *out, size_t cap, uint64_t tag, int count, const uint8_t *prot,
		    size_t prot_len, bool unprot_is_map, bool detached)
{
	struct cbor_writer w;
	size_t n;
	cbor_writer_init(&w, out, cap);
	cbor_put_tag(&w, tag);
	cbor_put_array(&w, (uint64_t)count);
	cbor_put_bstr(&w, prot, prot_len);
	if (unprot_is_map)
		cbor_put_map(&w, 0);
	else
		cbor_put_array(&w, 0);
	if (count > 2) {
		if (detached)
			cbor_put_head(&w, CBOR_MAJOR_SIMPLE, 22);
		else
			cbor_put_bstr(&w, "\xa0", 1);
	}
	if (count > 3)
		cbor_put_bstr(&w, "sig", 3);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

static void sign1_structure_errors(void **state)
{
	(void)state;
	uint8_t buf[128];
	static const uint8_t es384[] = { 0xa1, 0x01, 0x38, 0x22 };
	static const uint8_t rs256[] = { 0xa1, 0x01, 0x39, 0x01, 0x00 }; /* -257 */
	static const uint8_t crit[] = { 0xa2, 0x01, 0x38, 0x22, 0x02, 0x81, 0x01 };
	static const uint8_t no_alg[] = { 0xa1, 0x04, 0x41, 0x00 };
	static const uint8_t dup_alg[] = { 0xa2, 0x01, 0x38, 0x22, 0x01, 0x26 };
	static const uint8_t trailing[] = { 0xa1, 0x01, 0x38, 0x22, 0x00 };
	struct cose_sign1 s;
	struct verify_result res;

	size_t n = sign1(buf, sizeof(buf), 18, 4, es384, sizeof(es384), true, false);
	verify_result_clear(&res);
	assert_int_equal(cose_sign1_decode(buf, n, &s, VERIFY_CHECK_REALM_TOKEN, &res), 0);
	assert_int_equal(s.alg, COSE_ALG_ES384);
	assert_true(s.tagged);
	/* Untagged is accepted too (the collection says what it is). */
	assert_int_equal(cose_sign1_decode(buf + 1, n - 1, &s, VERIFY_CHECK_REALM_TOKEN, &res), 0);
	assert_false(s.tagged);

	n = sign1(buf, sizeof(buf), 17, 4, es384, sizeof(es384), true, false);
	expect_sign1_error(buf, n, "tag 17");
	n = sign1(buf, sizeof(buf), 18, 3, es384, sizeof(es384), true, false);
	expect_sign1_error(buf, n, "3 elements");
	n = sign1(buf, sizeof(buf), 18, 4, rs256, sizeof(rs256), true, false);
	expect_sign1_error(buf, n, "unsupported signature algorithm -257");
	n = sign1(buf, sizeof(buf), 18, 4, crit, sizeof(crit), true, false);
	expect_sign1_error(buf, n, "critical");
	n = sign1(buf, sizeof(buf), 18, 4, no_alg, sizeof(no_alg), true, false);
	expect_sign1_error(buf, n, "no algorithm");
	n = sign1(buf, sizeof(buf), 18, 4, dup_alg, sizeof(dup_alg), true, false);
	expect_sign1_error(buf, n, "duplicate claim 1");
	n = sign1(buf, sizeof(buf), 18, 4, trailing, sizeof(trailing), true, false);
	expect_sign1_error(buf, n, "bytes after the header map");
	n = sign1(buf, sizeof(buf), 18, 4, NULL, 0, true, false);
	expect_sign1_error(buf, n, "empty");
	n = sign1(buf, sizeof(buf), 18, 4, es384, sizeof(es384), false, false);
	expect_sign1_error(buf, n, "unprotected header is not a map");
	n = sign1(buf, sizeof(buf), 18, 4, es384, sizeof(es384), true, true);
	expect_sign1_error(buf, n, "detached");
	n = sign1(buf, sizeof(buf), 18, 4, es384, sizeof(es384), true, false);
	buf[n++] = 0x00;
	expect_sign1_error(buf, n, "after the COSE_Sign1");
}

static void signature_size_and_curve_checked(void **state)
{
	(void)state;
	EVP_PKEY *p384 = EVP_EC_gen("P-384"), *p256 = EVP_EC_gen("P-256");
	uint8_t buf[512];
	size_t n = tb_sign1(p384, (const uint8_t *)"\xa0", 1, buf, sizeof(buf));
	struct cose_sign1 s;
	struct verify_result res;
	verify_result_clear(&res);
	assert_int_equal(cose_sign1_decode(buf, n, &s, VERIFY_CHECK_REALM_TOKEN, &res), 0);
	assert_int_equal(cose_sign1_verify(&s, p384, VERIFY_CHECK_REALM_SIGNATURE, &res), 0);
	assert_int_not_equal(cose_sign1_verify(&s, p256, VERIFY_CHECK_REALM_SIGNATURE, &res), 0);
	assert_non_null(strstr(res.reason, "needs a P-384 key"));
	s.signature.len = 95;
	verify_result_clear(&res);
	assert_int_not_equal(cose_sign1_verify(&s, p384, VERIFY_CHECK_REALM_SIGNATURE, &res), 0);
	assert_non_null(strstr(res.reason, "must be 96"));
	verify_result_clear(&res);
	assert_int_not_equal(cose_sign1_verify(&s, NULL, VERIFY_CHECK_REALM_SIGNATURE, &res), 0);
	/* An all-zero signature (r = s = 0) is refused, not mis-converted. */
	static const uint8_t zeros[96];
	s.signature.ptr = zeros;
	s.signature.len = 96;
	verify_result_clear(&res);
	assert_int_not_equal(cose_sign1_verify(&s, p384, VERIFY_CHECK_REALM_SIGNATURE, &res), 0);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p256);
}

static size_t cose_key(uint8_t *out, int64_t kty, int64_t crv, const uint8_t *x, size_t xl,
		       const uint8_t *y, size_t yl, bool compressed)
{
	struct cbor_writer w;
	size_t n;
	cbor_writer_init(&w, out, 256);
	cbor_put_map(&w, 4);
	cbor_put_int(&w, COSE_KEY_KTY);
	cbor_put_int(&w, kty);
	cbor_put_int(&w, COSE_KEY_CRV);
	cbor_put_int(&w, crv);
	cbor_put_int(&w, COSE_KEY_X);
	cbor_put_bstr(&w, x, xl);
	cbor_put_int(&w, COSE_KEY_Y);
	if (compressed)
		cbor_put_head(&w, CBOR_MAJOR_SIMPLE, 21);
	else
		cbor_put_bstr(&w, y, yl);
	assert_int_equal(cbor_writer_finish(&w, &n), 0);
	return n;
}

static void expect_key_error(const uint8_t *p, size_t n, const char *reason)
{
	char why[PUBKEY_WHY_MAX];
	EVP_PKEY *key = NULL;
	assert_int_not_equal(pubkey_from_rak_claim(p, n, &key, why), 0);
	assert_null(key);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", why, reason);
}

static void key_import_errors(void **state)
{
	(void)state;
	EVP_PKEY *k = EVP_EC_gen("P-384");
	uint8_t point[97], buf[256];
	char why[PUBKEY_WHY_MAX];
	EVP_PKEY *out = NULL;
	assert_int_equal(pubkey_to_sec1(k, point, sizeof(point)), 97);
	const uint8_t *x = point + 1, *y = point + 49;

	/* Both forms of the same key import. */
	assert_int_equal(pubkey_from_rak_claim(point, 97, &out, why), 0);
	EVP_PKEY_free(out);
	size_t n = cose_key(buf, 2, 2, x, 48, y, 48, false);
	assert_int_equal(pubkey_from_rak_claim(buf, n, &out, why), 0);
	assert_int_equal(EVP_PKEY_get_bits(out), 384);
	EVP_PKEY_free(out);

	n = cose_key(buf, 1, 2, x, 48, y, 48, false);
	expect_key_error(buf, n, "key type");
	n = cose_key(buf, 2, 7, x, 48, y, 48, false);
	expect_key_error(buf, n, "curve");
	n = cose_key(buf, 2, 1, x, 48, y, 48, false);
	expect_key_error(buf, n, "coordinate length");
	n = cose_key(buf, 2, 2, x, 48, y, 48, true);
	expect_key_error(buf, n, "compressed");
	n = cose_key(buf, 2, 2, x, 48, y, 48, false);
	buf[n - 1] ^= 1; /* y off the curve */
	expect_key_error(buf, n, "curve");
	expect_key_error(buf, 3, "COSE_Key"); /* truncated map */

	uint8_t bad[97];
	memcpy(bad, point, 97);
	bad[0] = 0x02;
	expect_key_error(bad, 97, "0x04");
	expect_key_error(point, 96, "length");
	bad[0] = 0x04;
	bad[96] ^= 1;
	expect_key_error(bad, 97, "curve");
	expect_key_error(point, 0, "0x04");

	/* PEM and JWK refusals. */
	static const char not_pem[] = "hello";
	assert_int_not_equal(pubkey_from_pem(not_pem, sizeof(not_pem) - 1, &out, why), 0);
	static const char *const jwks[] = {
		"[]", "{\"kty\": \"RSA\"}", "{\"kty\": \"EC\", \"crv\": \"P-192\", \"x\": \"AA\", \"y\": \"AA\"}",
		"{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\", \"y\": \"AA\"}",
		"{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"!!\", \"y\": \"AA\"}",
	};
	for (size_t i = 0; i < sizeof(jwks) / sizeof(jwks[0]); i++) {
		out = NULL;
		assert_int_not_equal(pubkey_from_text(jwks[i], strlen(jwks[i]), &out, why), 0);
		assert_null(out);
	}
	assert_int_not_equal(pubkey_load_file("/nonexistent/key.pem", &out, why), 0);
	assert_non_null(strstr(why, "cannot open"));
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign1_structure_errors),
		cmocka_unit_test(signature_size_and_curve_checked),
		cmocka_unit_test(key_import_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
