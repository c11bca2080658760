/*
 * The attestation token as the monitor builds it (attest_token.c) on
 * hostsim: the realm token verifies with OpenSSL against the RAK the
 * platform reports and carries the expected claims; the whole collection
 * holds a platform token from EL3 bound to the RAK; both formats; keys from
 * PEM files; and, when the project's verifier is in the tree, the whole
 * token passes `cca_token_verify`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "abi/rmi.h"
#include "attest.h"
#include "attest_test_support.h"
#include "hostsim/hostsim.h"
#include "rmm_test_util.h"
#include "test_files.h"

#ifdef HAVE_CAEC_VERIFY
#include "verify/token.h"
#endif

#define DRAM (UINT64_C(64) << 20)

static void start(unsigned format, const char *cpak, const char *rak)
{
	struct hostsim_config cfg = { .dram_size = DRAM, .token_format = format,
				      .cpak_pem_path = cpak, .rak_pem_path = rak };
	assert_int_equal(hostsim_start(&cfg), 0);
}

static int stop(void **state)
{
	(void)state;
	hostsim_stop();
	return 0;
}

static void test_realm(struct attest_realm_state *st, uint32_t algo)
{
	memset(st, 0, sizeof(*st));
	st->hash_algo = algo;
	for (unsigned i = 0; i < 64; i++) {
		st->rim[i] = (uint8_t)(0x10 + i);
		st->rpv[i] = (uint8_t)(0xa0 ^ i);
		for (unsigned r = 0; r < 4; r++)
			st->rem[r][i] = (uint8_t)(r * 64 + i);
	}
	for (unsigned i = 0; i < sizeof(st->realm_id); i++)
		st->realm_id[i] = (uint8_t)(0x5a + 3 * i);
	st->caec_flags = CAEC_REALM_CSM_EXITS;
}

static void test_challenge(uint8_t c[64], uint8_t seed)
{
	for (unsigned i = 0; i < 64; i++)
		c[i] = (uint8_t)(seed + 3 * i);
}

static EVP_PKEY *rak_key(void)
{
	uint8_t x[48], y[48];

	assert_true(plat_rak_public(x, y));
	EVP_PKEY *k = test_p384_key(x, y);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *cpak_key(void)
{
	char pem[1024];
	int n = hostsim_platform_key_pem(pem, sizeof(pem));

	assert_true(n > 0);
	assert_int_equal(strlen(pem), (size_t)n);
	BIO *bio = BIO_new_mem_buf(pem, n);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(k);
	return k;
}

static void expect_bytes(const uint8_t *map, size_t len, int64_t key, const uint8_t *want,
			 size_t want_len)
{
	const uint8_t *p;
	size_t n;

	assert_true(crd_map_bytes(map, len, key, 2, &p, &n));
	assert_int_equal(n, want_len);
	assert_memory_equal(p, want, n);
}

/* The realm claims of a parsed realm token, against st/challenge/rak: the
 * same eleven claims under either collection tag (RMM 1.0's eight, the
 * CAEC extension's realm ID, regions and config flags). */
static void check_realm_claims(const struct test_sign1 *s, const struct attest_realm_state *st,
			       const uint8_t challenge[64], const uint8_t *rak, size_t rak_len)
{
	const uint8_t *m = s->payload;
	size_t len = s->payload_len, hsize = st->hash_algo == RMI_HASH_SHA_512 ? 64 : 32;
	struct crd v;
	uint64_t n;

	expect_bytes(m, len, 10, challenge, 64);
	assert_true(crd_map_text_is(m, len, 265, "tag:arm.com,2023:realm#1.0.0"));
	expect_bytes(m, len, 44235, st->rpv, 64);
	assert_true(crd_map_text_is(m, len, 44236,
				    st->hash_algo == RMI_HASH_SHA_512 ? "sha-512" : "sha-256"));
	expect_bytes(m, len, 44237, rak, rak_len);
	expect_bytes(m, len, 44238, st->rim, hsize);
	assert_true(crd_map_find(m, len, 44239, &v));
	assert_true(crd_expect(&v, 4, &n));
	assert_int_equal(n, 4);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *p;
		size_t pl;
		assert_true(crd_string(&v, 2, &p, &pl));
		assert_int_equal(pl, hsize);
		assert_memory_equal(p, st->rem[i], hsize);
	}
	assert_true(crd_map_text_is(m, len, 44240, "sha-256"));
	expect_bytes(m, len, 65001, st->realm_id, sizeof(st->realm_id));
	assert_true(crd_map_find(m, len, 65004, &v));
	assert_true(crd_expect(&v, 0, &n));
	assert_int_equal(n, st->caec_flags);
	assert_true(crd_expect(&(struct crd){ m, len, 0 }, 5, &n));
	assert_int_equal(n, 11);
	assert_true(crd_map_find(m, len, 65002, &v));
	assert_true(crd_expect(&v, 4, &n));
	assert_int_equal(n, 0); /* no regions */
}

static const uint8_t es384_protected[] = { 0xa1, 0x01, 0x38, 0x22 };

static void check_sign1_shape(const struct test_sign1 *s)
{
	assert_int_equal(s->protected_len, sizeof(es384_protected));
	assert_memory_equal(s->protected_hdr, es384_protected, sizeof(es384_protected));
	assert_int_equal(s->unprotected_pairs, 0);
	assert_int_equal(s->sig_len, 96);
}

static void rak_claim_is_a_cose_key(void **state)
{
	uint8_t claim[ATTEST_RAK_CLAIM_MAX], x[48], y[48];
	size_t len;
	int64_t v;
	uint64_t n;
	struct crd r;

	(void)state;
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	assert_true(plat_rak_public(x, y));
	assert_true(attest_rak_claim(claim, &len));
	assert_true(crd_expect(&(struct crd){ claim, len, 0 }, 5, &n));
	assert_int_equal(n, 4);
	assert_true(crd_map_find(claim, len, 1, &r) && crd_int(&r, &v) && v == 2);  /* EC2 */
	assert_true(crd_map_find(claim, len, -1, &r) && crd_int(&r, &v) && v == 2); /* P-384 */
	expect_bytes(claim, len, -2, x, 48);
	expect_bytes(claim, len, -3, y, 48);
}

static void realm_token_verifies_with_openssl(uint32_t algo)
{
	uint8_t claim[ATTEST_RAK_CLAIM_MAX], challenge[64], buf[2048];
	struct attest_realm_state st;
	struct test_sign1 s = { 0 };
	size_t claim_len, len;

	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	test_realm(&st, algo);
	test_challenge(challenge, 7);
	assert_true(attest_rak_claim(claim, &claim_len));
	assert_true(attest_realm_token_build(&st, challenge, claim, claim_len, buf, sizeof(buf),
					     &len));
	assert_true(test_sign1_parse(buf, len, &s));
	check_sign1_shape(&s);
	check_realm_claims(&s, &st, challenge, claim, claim_len);

	EVP_PKEY *k = rak_key();
	assert_true(test_sign1_verify(&s, k));
	/* A flipped payload bit breaks the signature. */
	buf[len - 200] ^= 1;
	assert_false(test_sign1_verify(&s, k));
	EVP_PKEY_free(k);
}

static void realm_token_sha256(void **state)
{
	(void)state;
	realm_token_verifies_with_openssl(RMI_HASH_SHA_256);
}

static void realm_token_sha512(void **state)
{
	(void)state;
	realm_token_verifies_with_openssl(RMI_HASH_SHA_512);
}

static void realm_token_failures(void **state)
{
	uint8_t claim[ATTEST_RAK_CLAIM_MAX], challenge[64], buf[2048];
	struct attest_realm_state st;
	size_t claim_len, len, need;

	(void)state;
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	test_realm(&st, RMI_HASH_SHA_256);
	test_challenge(challenge, 1);
	assert_true(attest_rak_claim(claim, &claim_len));

	/* Too small: false, and the size it needs. */
	assert_false(attest_realm_token_build(&st, challenge, claim, claim_len, buf, 100, &need));
	assert_true(need > 100);
	assert_true(attest_realm_token_build(&st, challenge, claim, claim_len, buf, need, &len));
	assert_int_equal(len, need);
	assert_false(attest_realm_token_build(&st, challenge, claim, claim_len, buf, need - 1,
					      &len));

	/* A hash algorithm the token cannot name. */
	st.hash_algo = 7;
	assert_false(attest_realm_token_build(&st, challenge, claim, claim_len, buf, sizeof(buf),
					      &len));
	assert_int_equal(len, 0);
}

/* One element of the collection: {key: [263, bstr]} under 907, {key: bstr}
 * under 399 (nothing else: no content format, no array). */
static void collection_entry(const uint8_t *map, size_t len, int64_t key, bool legacy,
			     const uint8_t **tok, size_t *tok_len)
{
	struct crd v;
	uint64_t n;
	int64_t fmt;

	assert_true(crd_map_find(map, len, key, &v));
	if (legacy) {
		assert_true(v.pos < v.len);
		assert_int_equal(v.p[v.pos] >> 5, 2); /* a byte string */
	} else {
		assert_true(crd_expect(&v, 4, &n));
		assert_int_equal(n, 2);
		assert_true(crd_int(&v, &fmt));
		assert_int_equal(fmt, 263);
	}
	assert_true(crd_string(&v, 2, tok, tok_len));
}

struct built_token {
	uint64_t pa;
	uint8_t *buf;
	size_t len;
};

static void build_full(struct built_token *t, const struct attest_realm_state *st,
		       const uint8_t challenge[64])
{
	t->pa = test_delegated(); /* monitor memory (Realm PAS), as a REC aux granule is */
	t->buf = plat_granule_map(t->pa);
	assert_non_null(t->buf);
	assert_true(attest_token_build(st, challenge, t->buf, 4096, t->buf, t->pa, 4096, &t->len));
	assert_true(t->len > 0 && t->len <= 4096);
}

/* Checks the collection, both signatures, the binder and the claims. */
static void check_full(const struct built_token *t, const struct attest_realm_state *st,
		       const uint8_t challenge[64], bool legacy, EVP_PKEY *cpak)
{
	struct crd r = crd_make(t->buf, t->len);
	uint64_t tag;
	const uint8_t *plat = NULL, *realm = NULL, *p = NULL;
	size_t plat_len = 0, realm_len = 0, n = 0;
	struct test_sign1 ps = { 0 }, rs = { 0 };
	uint8_t claim[ATTEST_RAK_CLAIM_MAX], binder[32], point[97];
	size_t claim_len;

	assert_true(crd_expect(&r, 6, &tag));
	assert_int_equal(tag, legacy ? 399 : 907);
	const uint8_t *map = t->buf + r.pos;
	size_t map_len = t->len - r.pos;
	collection_entry(map, map_len, 44234, legacy, &plat, &plat_len);
	collection_entry(map, map_len, 44241, legacy, &realm, &realm_len);

	uint64_t pairs = 0;
	assert_true(crd_expect(&(struct crd){ map, map_len, 0 }, 5, &pairs));
	assert_int_equal(pairs, 2);

	/* The realm token. */
	assert_true(attest_rak_claim(claim, &claim_len));
	assert_true(test_sign1_parse(realm, realm_len, &rs));
	check_sign1_shape(&rs);
	check_realm_claims(&rs, st, challenge, claim, claim_len);
	EVP_PKEY *rak = rak_key();
	assert_true(test_sign1_verify(&rs, rak));
	EVP_PKEY_free(rak);

	/* The platform token: signed by the CPAK, challenge = SHA-256(44237). */
	assert_true(test_sign1_parse(plat, plat_len, &ps));
	check_sign1_shape(&ps);
	assert_true(test_sign1_verify(&ps, cpak));
	SHA256(claim, claim_len, binder);
	expect_bytes(ps.payload, ps.payload_len, 10, binder, 32);
	assert_true(crd_map_text_is(ps.payload, ps.payload_len, 265,
				    "tag:arm.com,2023:cca_platform#1.0.0"));
	/* Instance ID = 0x01 || SHA-256(CPAK point). */
	size_t point_len = 0;
	assert_true(EVP_PKEY_get_octet_string_param(cpak, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
						    sizeof(point), &point_len));
	assert_int_equal(point_len, 97);
	assert_true(crd_map_bytes(ps.payload, ps.payload_len, 256, 2, &p, &n));
	assert_int_equal(n, 33);
	assert_int_equal(p[0], 0x01);
	SHA256(point, 97, binder);
	assert_memory_equal(p + 1, binder, 32);
	assert_true(crd_map_text_is(ps.payload, ps.payload_len, 2402, "sha-256"));
	/* Software components: BL31 (the platform's code) and RMM (the monitor's),
	 * two distinct measurements, each recomputable from the program file. */
	struct crd v;
	uint64_t count;
	const uint8_t *m0 = NULL, *m1 = NULL;
	assert_true(crd_map_find(ps.payload, ps.payload_len, 2399, &v));
	assert_true(crd_expect(&v, 4, &count));
	assert_int_equal(count, 2);
	for (unsigned i = 0; i < 2; i++) {
		size_t start = v.pos;
		assert_true(crd_skip(&v));
		const uint8_t *c = v.p + start;
		size_t clen = v.pos - start;
		assert_true(crd_map_text_is(c, clen, 1, i == 0 ? "BL31" : "RMM"));
		assert_true(crd_map_bytes(c, clen, 2, 2, i == 0 ? &m0 : &m1, &n));
		assert_int_equal(n, 32);
		assert_true(crd_map_text_is(c, clen, 6, "sha-256"));
	}
	assert_memory_not_equal(m0, m1, 32);
	uint8_t want[32];
	assert_true(test_exe_section_sha256("caec_plat_text", want));
	assert_memory_equal(m0, want, 32);
	assert_true(test_exe_section_sha256("caec_rmm_text", want));
	assert_memory_equal(m1, want, 32);
}

#ifdef HAVE_CAEC_VERIFY
static void project_verifier_accepts(const struct built_token *t, const uint8_t challenge[64],
				     bool legacy, EVP_PKEY *cpak)
{
	static struct cca_token tok;
	struct verify_result res;
	EVP_PKEY *keys[1] = { cpak };
	struct verify_options opts = { .platform_keys = keys, .num_platform_keys = 1,
				       .nonce = challenge, .nonce_len = 64, .strict = true };

	memset(&res, 0, sizeof(res));
	int rc = cca_token_verify(t->buf, t->len, &opts, &tok, &res);
	if (rc != 0)
		print_error("verifier: %s: %s\n", verify_check_name(res.failed), res.reason);
	assert_int_equal(rc, 0);
	assert_int_equal(tok.tag, legacy ? CCA_TAG_COLLECTION_LEGACY : CCA_TAG_COLLECTION);
	assert_true(tok.realm_claims.has_profile);
	assert_true(cca_text_eq(tok.realm_claims.profile, CCA_REALM_PROFILE));
	assert_true(cca_text_eq(tok.platform_claims.profile, CCA_PLATFORM_PROFILE));
	assert_int_equal(tok.realm_claims.rak.ptr[0] >> 5, 5); /* a COSE_Key map */
	/* A wrong nonce is caught. */
	uint8_t other[64];
	memcpy(other, challenge, 64);
	other[0] ^= 1;
	opts.nonce = other;
	assert_int_not_equal(cca_token_verify(t->buf, t->len, &opts, &tok, &res), 0);
	assert_int_equal(res.failed, VERIFY_CHECK_NONCE);
}
#endif

static void full_token(unsigned format, const char *cpak_path, const char *rak_path)
{
	struct attest_realm_state st;
	struct built_token t;
	uint8_t challenge[64];

	start(format, cpak_path, rak_path);
	test_realm(&st, RMI_HASH_SHA_256);
	test_challenge(challenge, 42);
	build_full(&t, &st, challenge);
	EVP_PKEY *cpak = cpak_key();
	check_full(&t, &st, challenge, format == HOSTSIM_TOKEN_LEGACY, cpak);
#ifdef HAVE_CAEC_VERIFY
	project_verifier_accepts(&t, challenge, format == HOSTSIM_TOKEN_LEGACY, cpak);
#endif
	EVP_PKEY_free(cpak);
	plat_granule_unmap(t.buf);
}

static void full_token_cca(void **state)
{
	(void)state;
	full_token(HOSTSIM_TOKEN_CCA, NULL, NULL);
}

static void full_token_legacy(void **state)
{
	(void)state;
	full_token(HOSTSIM_TOKEN_LEGACY, NULL, NULL);
}

/* ---- The legacy form against what the reference monitor emits ----------
 * cca-token-draft-ffm-00.cbor (the third-party vectors in ../shared) is a
 * token as RMM 1.0-rel0's reference monitor builds it: tag 399, plain
 * bstr entries, a realm profile and a COSE_Key RAK. The reference writes its
 * maps in insertion order, so this reader takes keys in any order. */

#define MAX_KEYS 16

struct any_map {
	int64_t keys[MAX_KEYS];
	struct crd vals[MAX_KEYS];
	unsigned n;
};

static void read_any_map(const uint8_t *m, size_t len, struct any_map *am)
{
	struct crd r = crd_make(m, len);
	uint64_t pairs = 0;

	assert_true(crd_expect(&r, 5, &pairs));
	assert_true(pairs <= MAX_KEYS);
	am->n = (unsigned)pairs;
	for (unsigned i = 0; i < am->n; i++) {
		assert_true(crd_int(&r, &am->keys[i]));
		am->vals[i] = r;
		assert_true(crd_skip(&r));
	}
	assert_int_equal(r.pos, len);
}

static int cmp_key(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Drops the CAEC extension's claims (65001..65004) from a map of ours. */
static void drop_caec_claims(struct any_map *am)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < am->n; i++) {
		if (am->keys[i] >= CAEC_CLAIM_REALM_ID && am->keys[i] <= CAEC_CLAIM_CONFIG_FLAGS)
			continue;
		am->keys[kept] = am->keys[i];
		am->vals[kept++] = am->vals[i];
	}
	am->n = kept;
}

/* Same set of integer keys, and each value of the same CBOR major type; with
 * caec_in_a, a's extension claims are left out first (the reference has none). */
static void same_shape_of(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, bool caec_in_a)
{
	struct any_map ma, mb;
	int64_t ka[MAX_KEYS], kb[MAX_KEYS];

	read_any_map(a, alen, &ma);
	read_any_map(b, blen, &mb);
	if (caec_in_a)
		drop_caec_claims(&ma);
	assert_int_equal(ma.n, mb.n);
	memcpy(ka, ma.keys, sizeof(ka));
	memcpy(kb, mb.keys, sizeof(kb));
	qsort(ka, ma.n, sizeof(ka[0]), cmp_key);
	qsort(kb, mb.n, sizeof(kb[0]), cmp_key);
	assert_memory_equal(ka, kb, ma.n * sizeof(ka[0]));
	for (unsigned i = 0; i < ma.n; i++)
		for (unsigned j = 0; j < mb.n; j++)
			if (ma.keys[i] == mb.keys[j])
				assert_int_equal(ma.vals[i].p[ma.vals[i].pos] >> 5,
						 mb.vals[j].p[mb.vals[j].pos] >> 5);
}

static void same_shape(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	same_shape_of(a, alen, b, blen, false);
}

static struct crd any_map_get(const uint8_t *m, size_t len, int64_t key)
{
	struct any_map am;

	read_any_map(m, len, &am);
	for (unsigned i = 0; i < am.n; i++)
		if (am.keys[i] == key)
			return am.vals[i];
	fail_msg("no key %" PRId64, key);
	return am.vals[0];
}

static void same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		       int64_t key, unsigned major)
{
	struct crd va = any_map_get(a, alen, key), vb = any_map_get(b, blen, key);
	const uint8_t *pa = NULL, *pb = NULL;
	size_t na = 0, nb = 0;

	assert_true(crd_string(&va, major, &pa, &na));
	assert_true(crd_string(&vb, major, &pb, &nb));
	assert_int_equal(na, nb);
	assert_memory_equal(pa, pb, na);
}

/* The collection's two entries, plain byte strings under tag 399. */
static void split_399(const uint8_t *tok, size_t len, struct test_sign1 *plat,
		      struct test_sign1 *realm)
{
	struct crd r = crd_make(tok, len), v;
	uint64_t tag = 0;
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_true(crd_expect(&r, 6, &tag));
	assert_int_equal(tag, 399);
	const uint8_t *map = tok + r.pos;
	size_t map_len = len - r.pos;
	v = any_map_get(map, map_len, 44234);
	assert_true(crd_string(&v, 2, &p, &n));
	assert_true(test_sign1_parse(p, n, plat));
	v = any_map_get(map, map_len, 44241);
	assert_true(crd_string(&v, 2, &p, &n));
	assert_true(test_sign1_parse(p, n, realm));
}

static void legacy_token_has_the_reference_shape(void **state)
{
	struct attest_realm_state st;
	struct built_token t;
	uint8_t challenge[64];
	struct test_sign1 ours_p = { 0 }, ours_r = { 0 }, ref_p = { 0 }, ref_r = { 0 };
	size_t ref_len;

	(void)state;
	start(HOSTSIM_TOKEN_LEGACY, NULL, NULL);
	test_realm(&st, RMI_HASH_SHA_256);
	test_challenge(challenge, 5);
	build_full(&t, &st, challenge);
	uint8_t *ref = test_read_vector("cca-token-draft-ffm-00.cbor", &ref_len);

	/* Both: tag 399 around {44234: bstr, 44241: bstr}, nothing else. */
	struct crd a = crd_make(t.buf, t.len), b = crd_make(ref, ref_len);
	uint64_t tag_a = 0, tag_b = 0;
	assert_true(crd_expect(&a, 6, &tag_a) && crd_expect(&b, 6, &tag_b));
	assert_int_equal(tag_a, tag_b);
	same_shape(t.buf + a.pos, t.len - a.pos, ref + b.pos, ref_len - b.pos);
	split_399(t.buf, t.len, &ours_p, &ours_r);
	split_399(ref, ref_len, &ref_p, &ref_r);

	/* Realm token: the same COSE_Sign1 header, the same claims (profile
	 * included; ours also has the CAEC extension's) with values of the same
	 * types and the same profile. */
	assert_int_equal(ours_r.protected_len, ref_r.protected_len);
	assert_memory_equal(ours_r.protected_hdr, ref_r.protected_hdr, ref_r.protected_len);
	assert_int_equal(ours_r.unprotected_pairs, ref_r.unprotected_pairs);
	same_shape_of(ours_r.payload, ours_r.payload_len, ref_r.payload, ref_r.payload_len, true);
	same_bytes(ours_r.payload, ours_r.payload_len, ref_r.payload, ref_r.payload_len, 265, 3);
	same_bytes(ours_r.payload, ours_r.payload_len, ref_r.payload, ref_r.payload_len, 44236, 3);
	same_bytes(ours_r.payload, ours_r.payload_len, ref_r.payload, ref_r.payload_len, 44240, 3);

	/* The RAK: a COSE_Key of the same labels, key type and curve. */
	const uint8_t *ka = NULL, *kb = NULL;
	size_t kal = 0, kbl = 0;
	struct crd va = any_map_get(ours_r.payload, ours_r.payload_len, 44237);
	struct crd vb = any_map_get(ref_r.payload, ref_r.payload_len, 44237);
	assert_true(crd_string(&va, 2, &ka, &kal) && crd_string(&vb, 2, &kb, &kbl));
	assert_int_equal(kal, kbl);
	same_shape(ka, kal, kb, kbl);
	for (int64_t label = 1; label >= -1; label -= 2) {
		struct crd x = any_map_get(ka, kal, label), y = any_map_get(kb, kbl, label);
		int64_t vx = 0, vy = 0;
		assert_true(crd_int(&x, &vx) && crd_int(&y, &vy));
		assert_int_equal(vx, vy);
	}

	/* Platform token: the same header and profile. */
	assert_int_equal(ours_p.protected_len, ref_p.protected_len);
	assert_memory_equal(ours_p.protected_hdr, ref_p.protected_hdr, ref_p.protected_len);
	same_bytes(ours_p.payload, ours_p.payload_len, ref_p.payload, ref_p.payload_len, 265, 3);

	free(ref);
	plat_granule_unmap(t.buf);
}

/* Writes a fresh key of the given curve as PEM (PKCS#8) to a temp file. */
static void write_key(const char *curve, char path[64], EVP_PKEY **key)
{
	strcpy(path, "/tmp/caec-attest-key-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	*key = EVP_EC_gen(curve);
	assert_non_null(*key);
	assert_int_equal(PEM_write_PrivateKey(f, *key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void pem_keys_are_used(void **state)
{
	char cpak_path[64], rak_path[64];
	EVP_PKEY *cpak, *rak;
	uint8_t x[48], y[48], point[97];
	size_t n;

	(void)state;
	write_key("P-384", cpak_path, &cpak);
	write_key("P-384", rak_path, &rak);
	full_token(HOSTSIM_TOKEN_CCA, cpak_path, rak_path); /* verified with the exported CPAK */

	/* The exported CPAK and the reported RAK are the keys of the files. */
	EVP_PKEY *exported = cpak_key();
	assert_int_equal(EVP_PKEY_eq(exported, cpak), 1);
	EVP_PKEY_free(exported);
	assert_true(plat_rak_public(x, y));
	assert_true(EVP_PKEY_get_octet_string_param(rak, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
						    sizeof(point), &n));
	assert_memory_equal(point + 1, x, 48);
	assert_memory_equal(point + 49, y, 48);

	/* The same files on the next start: the same keys. */
	hostsim_stop();
	start(HOSTSIM_TOKEN_CCA, cpak_path, rak_path);
	uint8_t x2[48], y2[48];
	assert_true(plat_rak_public(x2, y2));
	assert_memory_equal(x, x2, 48);
	assert_memory_equal(y, y2, 48);

	unlink(cpak_path);
	unlink(rak_path);
	EVP_PKEY_free(cpak);
	EVP_PKEY_free(rak);
}

static void generated_keys_differ_per_machine(void **state)
{
	uint8_t x1[48], y1[48], x2[48], y2[48];

	(void)state;
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	assert_true(plat_rak_public(x1, y1));
	hostsim_stop();
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	assert_true(plat_rak_public(x2, y2));
	assert_memory_not_equal(x1, x2, 48);
}

static void bad_key_files_refuse_the_machine(void **state)
{
	char p256_path[64], good_path[64];
	EVP_PKEY *p256, *good;
	struct hostsim_config cfg = { .dram_size = DRAM };

	(void)state;
	write_key("P-256", p256_path, &p256);
	write_key("P-384", good_path, &good);

	cfg.cpak_pem_path = "/nonexistent/cpak.pem";
	assert_int_equal(hostsim_start(&cfg), -EINVAL);
	cfg.cpak_pem_path = good_path;
	cfg.rak_pem_path = p256_path; /* wrong curve */
	assert_int_equal(hostsim_start(&cfg), -EINVAL);
	cfg.rak_pem_path = "/etc/hostname"; /* not PEM */
	assert_int_equal(hostsim_start(&cfg), -EINVAL);
	cfg.rak_pem_path = NULL;
	cfg.token_format = 2;
	assert_int_equal(hostsim_start(&cfg), -EINVAL);
	/* Nothing was left behind: a good machine starts. */
	cfg.token_format = HOSTSIM_TOKEN_CCA;
	assert_int_equal(hostsim_start(&cfg), 0);

	unlink(p256_path);
	unlink(good_path);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(good);
}

static void full_token_failures(void **state)
{
	struct attest_realm_state st;
	uint8_t challenge[64];
	size_t len = 1;

	(void)state;
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	test_realm(&st, RMI_HASH_SHA_256);
	test_challenge(challenge, 9);
	uint64_t pa = test_delegated();
	uint8_t *buf = plat_granule_map(pa);

	/* No room for the platform token, then none for the realm token. */
	assert_false(attest_token_build(&st, challenge, buf, 200, buf, pa, 200, &len));
	assert_int_equal(len, 0);
	assert_false(attest_token_build(&st, challenge, buf, 1000, buf, pa, 1000, &len));
	assert_false(attest_token_build(&st, challenge, buf, 16, buf, pa, 16, &len));
	/* EL3 refuses a buffer outside the Realm PAS (here, host memory). */
	uint64_t ns = test_alloc();
	uint8_t *ns_view = plat_granule_map(ns);
	assert_false(attest_token_build(&st, challenge, ns_view, 4096, ns_view, ns, 4096, &len));
	/* A realm with an unknown hash algorithm. */
	st.hash_algo = 9;
	assert_false(attest_token_build(&st, challenge, buf, 4096, buf, pa, 4096, &len));
	plat_granule_unmap(ns_view);
	plat_granule_unmap(buf);
}

/* Several CPUs attesting at once (each REC has its own aux granule): every
 * token is whole and verifies. Run under TSan in the thread-sanitizer build. */
#define CONC_THREADS 4
#define CONC_ROUNDS  5

struct conc_job {
	uint64_t pa;
	uint8_t seed;
	bool ok;
	size_t len;
};

static void *conc_worker(void *arg)
{
	struct conc_job *job = arg;
	struct attest_realm_state st;
	uint8_t challenge[64];
	uint8_t *buf = plat_granule_map(job->pa);

	test_realm(&st, RMI_HASH_SHA_256);
	job->ok = buf != NULL;
	for (unsigned i = 0; i < CONC_ROUNDS && job->ok; i++) {
		test_challenge(challenge, (uint8_t)(job->seed + i));
		job->ok = attest_token_build(&st, challenge, buf, 4096, buf, job->pa, 4096, &job->len);
	}
	plat_granule_unmap(buf);
	return NULL;
}

static void concurrent_builds(void **state)
{
	struct conc_job jobs[CONC_THREADS];
	pthread_t threads[CONC_THREADS];
	struct attest_realm_state st;
	uint8_t challenge[64];

	(void)state;
	start(HOSTSIM_TOKEN_CCA, NULL, NULL);
	for (unsigned t = 0; t < CONC_THREADS; t++) {
		jobs[t] = (struct conc_job){ .pa = test_delegated(), .seed = (uint8_t)(t * 16) };
		assert_int_equal(pthread_create(&threads[t], NULL, conc_worker, &jobs[t]), 0);
	}
	for (unsigned t = 0; t < CONC_THREADS; t++)
		assert_int_equal(pthread_join(threads[t], NULL), 0);
	EVP_PKEY *cpak = cpak_key();
	test_realm(&st, RMI_HASH_SHA_256);
	for (unsigned t = 0; t < CONC_THREADS; t++) {
		struct built_token tok = { .pa = jobs[t].pa, .len = jobs[t].len };

		assert_true(jobs[t].ok);
		tok.buf = plat_granule_map(tok.pa);
		test_challenge(challenge, (uint8_t)(jobs[t].seed + CONC_ROUNDS - 1));
		check_full(&tok, &st, challenge, false, cpak);
		plat_granule_unmap(tok.buf);
	}
	EVP_PKEY_free(cpak);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(rak_claim_is_a_cose_key, stop),
		cmocka_unit_test_teardown(realm_token_sha256, stop),
		cmocka_unit_test_teardown(realm_token_sha512, stop),
		cmocka_unit_test_teardown(realm_token_failures, stop),
		cmocka_unit_test_teardown(full_token_cca, stop),
		cmocka_unit_test_teardown(full_token_legacy, stop),
		cmocka_unit_test_teardown(legacy_token_has_the_reference_shape, stop),
		cmocka_unit_test_teardown(pem_keys_are_used, stop),
		cmocka_unit_test_teardown(generated_keys_differ_per_machine, stop),
		cmocka_unit_test_teardown(bad_key_files_refuse_the_machine, stop),
		cmocka_unit_test_teardown(full_token_failures, stop),
		cmocka_unit_test_teardown(concurrent_builds, stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
