/*
 * Key release end to end between the service (verify/key_release.h,
 * OpenSSL) and the realm's side (sdk/model_key.h, BearSSL), on tokens of
 * the test producer: the owner's realm gets the key; a token of another
 * RIM, another policy, no policy, another platform, another X25519 key or
 * another nonce gets nothing (and no response bytes); malformed requests
 * and altered answers are refused, the realm's key wiped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "sdk/model_key.h"
#include "sdk/model_unseal.h"
#include "token_builder.h"
#include "verify/key_release.h"

static EVP_PKEY *cpak, *rak, *other_cpak;
static struct key_release_policy pol;
static const uint8_t nonce[64] = { 0x4e, 0x4f, 0x4e, 0x43, 0x45 };

static int setup(void **state)
{
	(void)state;
	cpak = EVP_EC_gen("P-384");
	rak = EVP_EC_gen("P-384");
	other_cpak = EVP_EC_gen("P-384");
	memset(&pol, 0, sizeof(pol));
	static EVP_PKEY *keys[1];
	keys[0] = cpak;
	pol.platform_keys = keys;
	pol.num_platform_keys = 1;
	memset(pol.rims[0].value, 0x11, 32);
	pol.rims[0].len = 32;
	pol.num_rims = 1;
	memset(pol.policy_digest, 0x77, 32);
	pol.policy_digest_len = 32;
	for (unsigned i = 0; i < CAEC_MODEL_KEY_SIZE; i++)
		pol.model_key[i] = (uint8_t)(0xa0 + i);
	return cpak && rak && other_cpak ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(cpak);
	EVP_PKEY_free(rak);
	EVP_PKEY_free(other_cpak);
	return 0;
}

struct token_spec {
	EVP_PKEY *platform;
	uint8_t rim_byte;
	bool has_policy;
	uint8_t policy_byte;
};

static const struct token_spec good = { NULL, 0x11, true, 0x77 };

/* A request as the realm builds it, its token made to spec and bound to
 * challenge (the realm's, unless bind_to is given). */
static size_t request(struct model_key_request *r, const struct token_spec *s, const uint8_t *bind_to,
		      uint8_t *out, size_t cap)
{
	uint8_t seed[32], challenge[64], token[8192];
	static uint8_t counter;

	memset(seed, 0x33 + counter++, sizeof(seed));
	assert_int_equal(model_key_request_begin(r, nonce, seed, challenge), 0);
	struct tb_options o;
	struct tb_caec c = { .hash_alg = CCA_HASH_SHA256, .has_policy_digest = s->has_policy };
	tb_defaults(&o, s->platform ? s->platform : cpak, rak);
	memcpy(o.nonce, bind_to ? bind_to : challenge, 64);
	memset(o.rim, s->rim_byte, sizeof(o.rim));
	memset(c.policy_digest, s->policy_byte, 32);
	memset(c.realm_id, 0x42, 32);
	size_t tl = tb_build_caec(&o, &c, token, sizeof(token));
	size_t n = model_key_request_encode(r, token, tl, out, cap);
	assert_int_not_equal(n, 0);
	return n;
}

static void refused(const uint8_t *req, size_t n, int want, const char *why_part)
{
	uint8_t resp[CAEC_KEY_RESPONSE_SIZE];
	char why[KEY_RELEASE_WHY_MAX] = "";

	memset(resp, 0xee, sizeof(resp));
	assert_int_equal(key_release_answer(&pol, nonce, req, n, resp, why), want);
	if (why_part && !strstr(why, why_part))
		fail_msg("why: '%s', expected '%s'", why, why_part);
	for (size_t i = 0; i < sizeof(resp); i++)
		assert_int_equal(resp[i], 0);
}

static void test_released_to_the_owners_realm(void **state)
{
	struct model_key_request r;
	uint8_t req[9000], resp[CAEC_KEY_RESPONSE_SIZE], key[32], id[16];
	char why[KEY_RELEASE_WHY_MAX];

	(void)state;
	size_t n = request(&r, &good, NULL, req, sizeof(req));
	assert_int_equal(key_release_answer(&pol, nonce, req, n, resp, why), 0);
	model_key_id(pol.model_key, id);
	assert_int_equal(model_key_accept(&r, resp, sizeof(resp), id, key), 0);
	assert_memory_equal(key, pol.model_key, 32);
	/* The model key is nowhere in the answer in the clear. */
	assert_null(memmem(resp, sizeof(resp), pol.model_key, 16));
	/* The realm's private key is gone: the same answer cannot be opened twice. */
	uint8_t zero[32] = { 0 };
	assert_memory_equal(r.priv, zero, 32);
}

static void test_refused_tokens(void **state)
{
	struct model_key_request r;
	uint8_t req[9000];

	(void)state;
	struct token_spec s = good;
	s.rim_byte = 0x12;
	refused(req, request(&r, &s, NULL, req, sizeof(req)), -EACCES, "RIM");
	s = good;
	s.policy_byte = 0x78;
	refused(req, request(&r, &s, NULL, req, sizeof(req)), -EACCES, "policy is not the one");
	s = good;
	s.has_policy = false;
	refused(req, request(&r, &s, NULL, req, sizeof(req)), -EACCES, "no communication policy");
	s = good;
	s.platform = other_cpak;
	refused(req, request(&r, &s, NULL, req, sizeof(req)), -EACCES, "platform-signature");
	/* A token bound to someone else's key (or an old nonce): the challenge. */
	uint8_t elsewhere[64];
	memset(elsewhere, 0x99, sizeof(elsewhere));
	refused(req, request(&r, &good, elsewhere, req, sizeof(req)), -EACCES, "nonce");
	/* A good request answered under another nonce: a replay. */
	size_t n = request(&r, &good, NULL, req, sizeof(req));
	uint8_t resp[CAEC_KEY_RESPONSE_SIZE];
	char why[KEY_RELEASE_WHY_MAX];
	uint8_t other_nonce[64] = { 1 };
	assert_int_equal(key_release_answer(&pol, other_nonce, req, n, resp, why), -EACCES);
	/* Its X25519 key swapped for another: the token no longer binds it. */
	req[8] ^= 1;
	refused(req, n, -EACCES, "nonce");
	req[8] ^= 1;
	/* Every 7th byte changed: refused (malformed or not verifying). */
	for (size_t i = 0; i < n; i += 7) {
		req[i] ^= 0x20;
		uint8_t out[CAEC_KEY_RESPONSE_SIZE];
		assert_true(key_release_answer(&pol, nonce, req, n, out, why) < 0);
		req[i] ^= 0x20;
	}
	/* The owner accepts no policy at all: nothing is released. */
	pol.policy_digest_len = 0;
	refused(req, n, -EACCES, "policy");
	pol.policy_digest_len = 32;
}

static void test_malformed_requests(void **state)
{
	struct model_key_request r;
	uint8_t req[9000];

	(void)state;
	size_t n = request(&r, &good, NULL, req, sizeof(req));
	refused(req, CAEC_KEY_REQUEST_HEADER - 1, -EBADMSG, "not a key request");
	refused(req, n - 1, -EBADMSG, "token length");
	req[4] = 2;
	refused(req, n, -EBADMSG, "version");
	req[4] = 1;
	req[0] = 'X';
	refused(req, n, -EBADMSG, "not a key request");
}

static void test_altered_answers(void **state)
{
	struct model_key_request r;
	uint8_t req[9000], resp[CAEC_KEY_RESPONSE_SIZE], key[32], id[16];
	char why[KEY_RELEASE_WHY_MAX];
	const uint8_t zero[32] = { 0 };

	(void)state;
	model_key_id(pol.model_key, id);
	for (size_t i = 0; i < CAEC_KEY_RESPONSE_SIZE; i++) {
		size_t n = request(&r, &good, NULL, req, sizeof(req));
		assert_int_equal(key_release_answer(&pol, nonce, req, n, resp, why), 0);
		resp[i] ^= 0x01;
		assert_int_equal(model_key_accept(&r, resp, sizeof(resp), id, key), MODEL_KEY_EREPLY);
		assert_memory_equal(key, zero, 32);
	}
	/* An answer meant for another request. */
	struct model_key_request r2;
	size_t n = request(&r, &good, NULL, req, sizeof(req));
	assert_int_equal(key_release_answer(&pol, nonce, req, n, resp, why), 0);
	request(&r2, &good, NULL, req, sizeof(req));
	assert_int_equal(model_key_accept(&r2, resp, sizeof(resp), id, key), MODEL_KEY_EREPLY);
	/* The right answer, but not the key the sealed file needs. */
	n = request(&r, &good, NULL, req, sizeof(req));
	assert_int_equal(key_release_answer(&pol, nonce, req, n, resp, why), 0);
	uint8_t other_id[16];
	memcpy(other_id, id, 16);
	other_id[0] ^= 1;
	assert_int_equal(model_key_accept(&r, resp, sizeof(resp), other_id, key), MODEL_KEY_EREPLY);
	assert_memory_equal(key, zero, 32);
	assert_int_equal(model_key_accept(&r, resp, sizeof(resp) - 1, NULL, key), MODEL_KEY_EREPLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_released_to_the_owners_realm),
		cmocka_unit_test(test_refused_tokens),
		cmocka_unit_test(test_malformed_requests),
		cmocka_unit_test(test_altered_answers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
