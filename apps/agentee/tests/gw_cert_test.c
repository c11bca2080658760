/* The gateway's TLS identity: a certificate OpenSSL reads, for the key the
 * realm holds, signed by it; the challenge binding it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gw_cert.h"

static void test_certificate(void **state)
{
	br_hmac_drbg_context rng;
	static struct gw_identity id, id2;
	(void)state;

	br_hmac_drbg_init(&rng, &br_sha256_vtable, "seed for the test", 17);
	assert_int_equal(gw_identity_make(&id, &rng.vtable, "caec gateway"), 0);
	assert_int_equal(id.pub[0], 0x04);
	const unsigned char *p = id.cert;
	X509 *x = d2i_X509(NULL, &p, (long)id.cert_len);
	assert_non_null(x);
	assert_ptr_equal(p, id.cert + id.cert_len); /* nothing after it */
	char cn[64];
	assert_int_equal(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)), 12);
	assert_string_equal(cn, "caec gateway");
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	assert_int_equal(X509_get_version(x), 2);
	EVP_PKEY *k = X509_get0_pubkey(x);
	assert_non_null(k);
	unsigned char pub[GW_PUB_SIZE];
	size_t pl = sizeof(pub);
	assert_int_equal(EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pub, sizeof(pub), &pl), 1);
	assert_int_equal(pl, GW_PUB_SIZE);
	assert_memory_equal(pub, id.pub, GW_PUB_SIZE);
	/* Self-signed with the realm's key. */
	assert_int_equal(X509_verify(x, k), 1);
	/* A flipped bit in the signed part breaks it. */
	id.cert[40] ^= 1;
	p = id.cert;
	X509 *bad = d2i_X509(NULL, &p, (long)id.cert_len);
	if (bad) {
		assert_int_not_equal(X509_verify(bad, X509_get0_pubkey(bad)), 1);
		X509_free(bad);
	}
	X509_free(x);
	/* Another draw, another key and serial. */
	assert_int_equal(gw_identity_make(&id2, &rng.vtable, "caec gateway"), 0);
	assert_memory_not_equal(id.pub, id2.pub, GW_PUB_SIZE);
}

static void test_challenge(void **state)
{
	unsigned char pub[GW_PUB_SIZE] = { 4, 1, 2 }, nonce[GW_NONCE_SIZE] = { 9 }, a[64], b[64], c[64];
	(void)state;
	gw_cert_challenge(pub, nonce, a);
	/* SHA-512 over the label, the key and the nonce (OpenSSL's). */
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int n;
	EVP_DigestInit_ex(m, EVP_sha512(), NULL);
	EVP_DigestUpdate(m, "caec gateway tls key", 20);
	EVP_DigestUpdate(m, pub, sizeof(pub));
	EVP_DigestUpdate(m, nonce, sizeof(nonce));
	EVP_DigestFinal_ex(m, b, &n);
	EVP_MD_CTX_free(m);
	assert_memory_equal(a, b, 64);
	nonce[63] ^= 1;
	gw_cert_challenge(pub, nonce, c);
	assert_memory_not_equal(a, c, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificate),
		cmocka_unit_test(test_challenge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
