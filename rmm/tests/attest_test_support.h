/*
 * Test-only helpers for the attestation tests (rmm/tests/attest_*,
 * plat/hostsim/tests/attest_*): a strict little CBOR reader, written apart
 * from the encoder under test so that the two check each other, and ES384
 * verification of a COSE_Sign1 with OpenSSL.
 *
 * The reader accepts only what the token must be: definite lengths and
 * shortest-form heads (deterministic CBOR); anything else is an error.
 */
#ifndef RMM_ATTEST_TEST_SUPPORT_H
#define RMM_ATTEST_TEST_SUPPORT_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

struct crd {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

static inline struct crd crd_make(const uint8_t *p, size_t len)
{
	struct crd r = { p, len, 0 };
	return r;
}

/* A head; false for indefinite lengths, reserved values or longer-than-
 * needed argument encodings. */
static inline bool crd_head(struct crd *r, unsigned *major, uint64_t *arg)
{
	if (r->pos >= r->len)
		return false;
	uint8_t ib = r->p[r->pos++];
	unsigned info = ib & 31, n;

	*major = ib >> 5;
	if (info < 24) {
		*arg = info;
		return true;
	}
	if (info > 27)
		return false;
	n = 1u << (info - 24);
	if (r->len - r->pos < n)
		return false;
	*arg = 0;
	for (unsigned i = 0; i < n; i++)
		*arg = (*arg << 8) | r->p[r->pos++];
	/* Shortest form only. */
	uint64_t min = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : UINT64_C(0x100000000);
	return *arg >= min;
}

static inline bool crd_skip(struct crd *r)
{
	unsigned major;
	uint64_t arg;

	if (!crd_head(r, &major, &arg))
		return false;
	switch (major) {
	case 0: case 1: case 7:
		return true;
	case 2: case 3:
		if (arg > r->len - r->pos)
			return false;
		r->pos += arg;
		return true;
	case 4:
		for (uint64_t i = 0; i < arg; i++)
			if (!crd_skip(r))
				return false;
		return true;
	case 5:
		for (uint64_t i = 0; i < 2 * arg; i++)
			if (!crd_skip(r))
				return false;
		return true;
	default: /* tag */
		return crd_skip(r);
	}
}

static inline bool crd_expect(struct crd *r, unsigned want_major, uint64_t *arg)
{
	unsigned major;

	return crd_head(r, &major, arg) && major == want_major;
}

static inline bool crd_string(struct crd *r, unsigned major, const uint8_t **p, size_t *n)
{
	uint64_t len;

	if (!crd_expect(r, major, &len) || len > r->len - r->pos)
		return false;
	*p = r->p + r->pos;
	*n = (size_t)len;
	r->pos += len;
	return true;
}

static inline bool crd_int(struct crd *r, int64_t *v)
{
	unsigned major;
	uint64_t arg;

	if (!crd_head(r, &major, &arg) || (major != 0 && major != 1) || arg > INT64_MAX)
		return false;
	*v = major == 0 ? (int64_t)arg : -1 - (int64_t)arg;
	return true;
}

/* In the map that starts at m[0..len) (the whole buffer must be the map),
 * positions *val at the value of integer key `key`. Also checks that the
 * keys are unique and in deterministic (bytewise) order. */
static inline bool crd_map_find(const uint8_t *m, size_t len, int64_t key, struct crd *val)
{
	struct crd r = crd_make(m, len);
	uint64_t pairs;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	bool found = false;

	if (!crd_expect(&r, 5, &pairs))
		return false;
	for (uint64_t i = 0; i < pairs; i++) {
		size_t kstart = r.pos;
		int64_t k;

		if (!crd_int(&r, &k))
			return false;
		size_t klen = r.pos - kstart;
		if (prev) {
			size_t n = prev_len < klen ? prev_len : klen;
			int c = memcmp(prev, m + kstart, n);
			if (c > 0 || (c == 0 && prev_len >= klen))
				return false;
		}
		prev = m + kstart;
		prev_len = klen;
		if (k == key) {
			*val = r;
			found = true;
		}
		if (!crd_skip(&r))
			return false;
	}
	return found && r.pos == len;
}

/* The bstr / tstr value of integer key `key` of a map. */
static inline bool crd_map_bytes(const uint8_t *m, size_t len, int64_t key, unsigned major,
				 const uint8_t **p, size_t *n)
{
	struct crd v;

	return crd_map_find(m, len, key, &v) && crd_string(&v, major, p, n);
}

static inline bool crd_map_text_is(const uint8_t *m, size_t len, int64_t key, const char *want)
{
	const uint8_t *p;
	size_t n;

	return crd_map_bytes(m, len, key, 3, &p, &n) && n == strlen(want) &&
	       memcmp(p, want, n) == 0;
}

/* A COSE_Sign1 (tag 18) split into its parts. */
struct test_sign1 {
	const uint8_t *protected_hdr, *payload, *sig;
	size_t protected_len, payload_len, sig_len;
	uint64_t unprotected_pairs;
};

static inline bool test_sign1_parse(const uint8_t *p, size_t len, struct test_sign1 *s)
{
	struct crd r = crd_make(p, len);
	uint64_t arg;

	return crd_expect(&r, 6, &arg) && arg == 18 && crd_expect(&r, 4, &arg) && arg == 4 &&
	       crd_string(&r, 2, &s->protected_hdr, &s->protected_len) &&
	       crd_expect(&r, 5, &s->unprotected_pairs) &&
	       crd_string(&r, 2, &s->payload, &s->payload_len) &&
	       crd_string(&r, 2, &s->sig, &s->sig_len) && r.pos == len;
}

/* A P-384 public key from its affine coordinates. */
static inline EVP_PKEY *test_p384_key(const uint8_t x[48], const uint8_t y[48])
{
	uint8_t point[97];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	point[0] = 0x04;
	memcpy(point + 1, x, 48);
	memcpy(point + 49, y, 48);
	if (bld && ctx &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static inline size_t test_put_head(uint8_t *out, unsigned major, uint64_t arg)
{
	unsigned n = arg < 24 ? 0 : arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffff ? 4 : 8;
	out[0] = (uint8_t)((major << 5) | (n == 0 ? arg : n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
	for (unsigned i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
	return 1 + n;
}

/* ES384 check of a parsed COSE_Sign1: the Sig_structure
 * ["Signature1", protected, h'', payload] is rebuilt here byte by byte. */
static inline bool test_sign1_verify(const struct test_sign1 *s, EVP_PKEY *key)
{
	uint8_t *tbs = malloc(64 + s->protected_len + s->payload_len);
	size_t n = 0;
	bool ok = false;

	if (!tbs || s->sig_len != 96)
		goto out;
	n += test_put_head(tbs + n, 4, 4);
	n += test_put_head(tbs + n, 3, 10);
	memcpy(tbs + n, "Signature1", 10);
	n += 10;
	n += test_put_head(tbs + n, 2, s->protected_len);
	memcpy(tbs + n, s->protected_hdr, s->protected_len);
	n += s->protected_len;
	n += test_put_head(tbs + n, 2, 0);
	n += test_put_head(tbs + n, 2, s->payload_len);
	memcpy(tbs + n, s->payload, s->payload_len);
	n += s->payload_len;

	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(s->sig, 48, NULL), *sv = BN_bin2bn(s->sig + 48, 48, NULL);
	uint8_t *der = NULL;
	int der_len;
	if (!es || !r || !sv || ECDSA_SIG_set0(es, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(es);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ok = der_len > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)der_len, tbs, n) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
out:
	free(tbs);
	return ok;
}

/* SHA-256 of the section called name in this program's file (/proc/self/exe),
 * read with the file's own section headers: what a relying party recomputes
 * from the program it ships for a firmware component of the platform token.
 * False when the file has no such section or cannot be read. */
static inline bool test_exe_section_sha256(const char *name, uint8_t out[32])
{
	FILE *f = fopen("/proc/self/exe", "rb");
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	char *names = NULL;
	uint8_t *bytes = NULL;
	bool ok = false;

	if (!f || fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		goto out;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || fseek(f, (long)eh.e_shoff, SEEK_SET) ||
	    fread(sh, sizeof(*sh), eh.e_shnum, f) != eh.e_shnum)
		goto out;
	const Elf64_Shdr *strtab = &sh[eh.e_shstrndx];
	names = calloc(1, strtab->sh_size + 1);
	if (!names || fseek(f, (long)strtab->sh_offset, SEEK_SET) ||
	    fread(names, 1, strtab->sh_size, f) != strtab->sh_size)
		goto out;
	for (unsigned i = 0; i < eh.e_shnum && !ok; i++) {
		if (sh[i].sh_name >= strtab->sh_size || strcmp(names + sh[i].sh_name, name))
			continue;
		bytes = malloc(sh[i].sh_size ? sh[i].sh_size : 1);
		if (!bytes || fseek(f, (long)sh[i].sh_offset, SEEK_SET) ||
		    fread(bytes, 1, sh[i].sh_size, f) != sh[i].sh_size)
			goto out;
		ok = EVP_Digest(bytes, sh[i].sh_size, out, NULL, EVP_sha256(), NULL) == 1;
	}
out:
	free(bytes);
	free(names);
	free(sh);
	if (f)
		fclose(f);
	return ok;
}

#endif
