/*
 * A peer realm's token, checked inside a realm (peer_attest.h): a small
 * bounded CBOR reader, the COSE_Sign1 signature (ES384, BearSSL), and the
 * claims a same-machine peer check needs.
 */
#include <bearssl.h>
#include <stdbool.h>

#include "sdk/channel.h"
#include "sdk/peer_attest.h"

/* ---- a bounded CBOR cursor ---- */

struct cur {
	const uint8_t *p, *end;
	bool bad;
};

#define MAJ_UINT  0u
#define MAJ_NEG   1u
#define MAJ_BSTR  2u
#define MAJ_TSTR  3u
#define MAJ_ARRAY 4u
#define MAJ_MAP   5u
#define MAJ_TAG   6u
#define MAJ_SIMPLE 7u
#define MAX_DEPTH 8

/* One head: major type and argument; false (and bad) if it does not parse. */
static bool head(struct cur *c, unsigned *major, uint64_t *arg)
{
	if (c->bad || c->p >= c->end)
		return c->bad = true, false;
	uint8_t b = *c->p++;
	unsigned info = b & 31, n;
	*major = b >> 5;
	if (info < 24) {
		*arg = info;
		return true;
	}
	if (info > 27)
		return c->bad = true, false; /* reserved or indefinite: never in a token */
	n = 1u << (info - 24);
	if ((size_t)(c->end - c->p) < n)
		return c->bad = true, false;
	*arg = 0;
	for (unsigned i = 0; i < n; i++)
		*arg = *arg << 8 | *c->p++;
	return true;
}

/* A string of `major` (bstr or tstr): its bytes in the input. */
static bool string(struct cur *c, unsigned want, const uint8_t **s, size_t *len)
{
	unsigned major;
	uint64_t n;

	if (!head(c, &major, &n) || major != want || n > (uint64_t)(c->end - c->p))
		return c->bad = true, false;
	*s = c->p;
	*len = (size_t)n;
	c->p += n;
	return true;
}

static bool skip(struct cur *c, unsigned depth)
{
	unsigned major;
	uint64_t n;

	if (depth > MAX_DEPTH || !head(c, &major, &n))
		return c->bad = true, false;
	switch (major) {
	case MAJ_BSTR:
	case MAJ_TSTR:
		if (n > (uint64_t)(c->end - c->p))
			return c->bad = true, false;
		c->p += n;
		return true;
	case MAJ_ARRAY:
	case MAJ_MAP:
		if (n > (uint64_t)(c->end - c->p))
			return c->bad = true, false; /* each item takes a byte at least */
		for (uint64_t i = 0; i < n * (major == MAJ_MAP ? 2 : 1); i++)
			if (!skip(c, depth + 1))
				return false;
		return true;
	case MAJ_TAG:
		return skip(c, depth + 1);
	default:
		return true;
	}
}

/* A map key as a signed integer; false for other keys (skipped with the value). */
static bool int_key(struct cur *c, int64_t *key)
{
	const uint8_t *at = c->p;
	unsigned major;
	uint64_t n;

	if (!head(c, &major, &n))
		return false;
	if ((major == MAJ_UINT || major == MAJ_NEG) && n < (UINT64_C(1) << 62)) {
		*key = major == MAJ_UINT ? (int64_t)n : -1 - (int64_t)n;
		return true;
	}
	c->p = at;
	return skip(c, 0) && false;
}

/* ---- the token ---- */

#define COLLECTION_CCA    907
#define COLLECTION_LEGACY 399
#define COLLECTION_PLATFORM 44234
#define COLLECTION_REALM  44241
#define CONTENT_SIGN1     263
#define COSE_TAG_SIGN1    18

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return CHAN_EATTEST;
}

/* The bytes of the collection's entry `want` (the platform or the realm token). */
static bool collection_entry(const uint8_t *token, size_t len, int64_t want, const uint8_t **rt,
			     size_t *rt_len)
{
	struct cur c = { token, token + len, false };
	unsigned major;
	uint64_t tag, n;

	if (!head(&c, &major, &tag) || major != MAJ_TAG || (tag != COLLECTION_CCA && tag != COLLECTION_LEGACY) ||
	    !head(&c, &major, &n) || major != MAJ_MAP || n > 8)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		int64_t key;
		if (!int_key(&c, &key)) {
			if (c.bad || !skip(&c, 0))
				return false;
			continue;
		}
		if (key != want) {
			if (!skip(&c, 0))
				return false;
			continue;
		}
		if (tag == COLLECTION_CCA) { /* [263, bstr] */
			uint64_t content;
			if (!head(&c, &major, &n) || major != MAJ_ARRAY || n != 2 || !head(&c, &major, &content) ||
			    major != MAJ_UINT || content != CONTENT_SIGN1)
				return false;
		}
		return string(&c, MAJ_BSTR, rt, rt_len);
	}
	return false;
}

/* The RAK's point (0x04 || x || y) from claim 44237: a COSE_Key (RMM 1.0),
 * or the raw point itself (the earlier drafts' tokens). */
static bool rak_point(const uint8_t *claim, size_t len, uint8_t point[97])
{
	struct cur c = { claim, claim + len, false };
	unsigned major;
	uint64_t n;
	bool have_x = false, have_y = false;

	if (len == 97 && claim[0] == 0x04) {
		__builtin_memcpy(point, claim, 97);
		return true;
	}

	if (!head(&c, &major, &n) || major != MAJ_MAP || n > 8)
		return false;
	point[0] = 0x04;
	for (uint64_t i = 0; i < n; i++) {
		int64_t key;
		const uint8_t *s;
		size_t sl;
		if (!int_key(&c, &key)) {
			if (c.bad || !skip(&c, 0))
				return false;
			continue;
		}
		if (key == -2 || key == -3) {
			if (!string(&c, MAJ_BSTR, &s, &sl) || sl != 48)
				return false;
			__builtin_memcpy(point + (key == -2 ? 1 : 49), s, 48);
			have_x |= key == -2;
			have_y |= key == -3;
		} else if (!skip(&c, 0)) {
			return false;
		}
	}
	return have_x && have_y;
}

static void sha384_bstr_head(br_sha384_context *h, size_t len)
{
	uint8_t b[9];
	size_t n;

	if (len < 24) {
		b[0] = (uint8_t)(0x40 | len), n = 1;
	} else if (len < 256) {
		b[0] = 0x58, b[1] = (uint8_t)len, n = 2;
	} else if (len < 65536) {
		b[0] = 0x59, b[1] = (uint8_t)(len >> 8), b[2] = (uint8_t)len, n = 3;
	} else {
		b[0] = 0x5a, n = 5;
		for (unsigned i = 0; i < 4; i++)
			b[1 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	br_sha384_update(h, b, n);
}

/* A COSE_Sign1 (tagged or not) signed with ES384: its protected header,
 * payload and 96-byte signature. */
static bool sign1_parts(const uint8_t *t, size_t len, const uint8_t **prot, size_t *prot_len,
			const uint8_t **payload, size_t *payload_len, const uint8_t **sig)
{
	static const uint8_t es384[] = { 0xa1, 0x01, 0x38, 0x22 };
	struct cur c = { t, t + len, false };
	const uint8_t *unprot;
	unsigned major;
	uint64_t n;
	size_t sig_len;

	if (!(head(&c, &major, &n) && major == MAJ_TAG && n == COSE_TAG_SIGN1))
		c = (struct cur){ t, t + len, false };
	if (!head(&c, &major, &n) || major != MAJ_ARRAY || n != 4 || !string(&c, MAJ_BSTR, prot, prot_len))
		return false;
	unprot = c.p;
	if (!skip(&c, 0) || (*unprot >> 5) != MAJ_MAP || !string(&c, MAJ_BSTR, payload, payload_len) ||
	    !string(&c, MAJ_BSTR, sig, &sig_len))
		return false;
	return *prot_len == sizeof(es384) && __builtin_memcmp(*prot, es384, sizeof(es384)) == 0 &&
	       sig_len == 96;
}

/* The platform token's challenge (claim 10): what binds it to a RAK. */
static bool platform_challenge(const uint8_t *payload, size_t len, const uint8_t **ch, size_t *ch_len)
{
	struct cur m = { payload, payload + len, false };
	unsigned major;
	uint64_t n;

	if (!head(&m, &major, &n) || major != MAJ_MAP || n > 64)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		int64_t key;
		if (!int_key(&m, &key)) {
			if (m.bad || !skip(&m, 0))
				return false;
			continue;
		}
		if (key == 10)
			return string(&m, MAJ_BSTR, ch, ch_len);
		if (!skip(&m, 0))
			return false;
	}
	return false;
}

/* H(claim 44237) with the hash the realm token names (claim 44240). */
static size_t rak_binder(const uint8_t *alg, size_t alg_len, const uint8_t *rak, size_t rak_len,
			 uint8_t out[64])
{
	const br_hash_class *h;
	br_hash_compat_context ctx;

	if (alg_len == 7 && __builtin_memcmp(alg, "sha-256", 7) == 0)
		h = &br_sha256_vtable;
	else if (alg_len == 7 && __builtin_memcmp(alg, "sha-384", 7) == 0)
		h = &br_sha384_vtable;
	else if (alg_len == 7 && __builtin_memcmp(alg, "sha-512", 7) == 0)
		h = &br_sha512_vtable;
	else
		return 0;
	h->init(&ctx.vtable);
	h->update(&ctx.vtable, rak, rak_len);
	h->out(&ctx.vtable, out);
	return (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/* The platform token: well formed, bound to the realm token's RAK, its
 * claims' digest kept so a checker can compare them with its own. Its
 * signature (by the CPAK) is not checked here: a realm has no endorsement of
 * the CPAK, and a token signed by this monitor's RAK carries the platform
 * token this monitor obtained from its own EL3. */
static int platform_part(const uint8_t *token, size_t len, const uint8_t *alg, size_t alg_len,
			 const uint8_t *rak, size_t rak_len, struct peer_token *out, const char **why)
{
	const uint8_t *pt, *prot, *payload, *sig, *ch;
	size_t pt_len, prot_len, payload_len, ch_len, binder_len;
	uint8_t binder[64];

	if (!collection_entry(token, len, COLLECTION_PLATFORM, &pt, &pt_len) ||
	    !sign1_parts(pt, pt_len, &prot, &prot_len, &payload, &payload_len, &sig))
		return fail(why, "the platform token is not an ES384 COSE_Sign1");
	if (!platform_challenge(payload, payload_len, &ch, &ch_len))
		return fail(why, "the platform token has no challenge claim");
	binder_len = rak_binder(alg, alg_len, rak, rak_len, binder);
	if (binder_len == 0)
		return fail(why, "the RAK hash algorithm claim is not sha-256, sha-384 or sha-512");
	if (ch_len != binder_len || __builtin_memcmp(ch, binder, binder_len) != 0)
		return fail(why, "the platform token is not bound to the realm token's RAK");
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, payload, payload_len);
	br_sha384_out(&h, out->platform_claims_digest);
	return 0;
}

int peer_token_parse(const uint8_t *token, size_t len, struct peer_token *out, const char **why)
{
	const uint8_t *rt, *prot, *payload, *sig;
	size_t rt_len, prot_len, payload_len;
	unsigned major;
	uint64_t n;

	__builtin_memset(out, 0, sizeof(*out));
	if (!token || !collection_entry(token, len, COLLECTION_REALM, &rt, &rt_len))
		return fail(why, "not a CCA token collection with a realm token");
	if (!sign1_parts(rt, rt_len, &prot, &prot_len, &payload, &payload_len, &sig))
		return fail(why, "the realm token is not an ES384 COSE_Sign1");
	/* The claims. */
	struct cur m = { payload, payload + payload_len, false };
	const uint8_t *rak = NULL, *alg = NULL;
	size_t rak_len = 0, alg_len = 0;
	bool have_challenge = false, have_rim = false;
	if (!head(&m, &major, &n) || major != MAJ_MAP || n > 64)
		return fail(why, "the realm claims are not a map");
	for (uint64_t i = 0; i < n; i++) {
		int64_t key;
		const uint8_t *s;
		size_t sl;
		if (!int_key(&m, &key)) {
			if (m.bad || !skip(&m, 0))
				return fail(why, "a realm claim does not parse");
			continue;
		}
		switch (key) {
		case 10:
			if (!string(&m, MAJ_BSTR, &s, &sl) || sl != 64)
				return fail(why, "the challenge claim is not 64 bytes");
			__builtin_memcpy(out->challenge, s, 64);
			have_challenge = true;
			break;
		case 44237:
			if (!string(&m, MAJ_BSTR, &rak, &rak_len) || rak_len > PEER_RAK_CLAIM_MAX)
				return fail(why, "the RAK claim does not parse");
			break;
		case 44238:
			if (!string(&m, MAJ_BSTR, &s, &sl) || (sl != 32 && sl != 48 && sl != 64))
				return fail(why, "the RIM claim does not parse");
			__builtin_memcpy(out->rim, s, sl);
			out->rim_len = sl;
			have_rim = true;
			break;
		case 44240:
			if (!string(&m, MAJ_TSTR, &alg, &alg_len))
				return fail(why, "the RAK hash algorithm claim does not parse");
			break;
		case 65001:
			if (!string(&m, MAJ_BSTR, &s, &sl) || sl != 32)
				return fail(why, "the realm ID claim does not parse");
			__builtin_memcpy(out->realm_id, s, 32);
			break;
		default:
			if (!skip(&m, 0))
				return fail(why, "a realm claim does not parse");
		}
	}
	uint8_t point[97];
	if (!have_challenge || !have_rim || !rak || !alg || !rak_point(rak, rak_len, point))
		return fail(why, "a realm claim (challenge, RIM, RAK or its hash algorithm) is missing");
	/* Sig_structure ["Signature1", protected, h'', payload], hashed as it is built. */
	br_sha384_context h;
	uint8_t digest[48];
	static const uint8_t start[] = { 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1' };
	br_sha384_init(&h);
	br_sha384_update(&h, start, sizeof(start));
	sha384_bstr_head(&h, prot_len);
	br_sha384_update(&h, prot, prot_len);
	sha384_bstr_head(&h, 0);
	sha384_bstr_head(&h, payload_len);
	br_sha384_update(&h, payload, payload_len);
	br_sha384_out(&h, digest);
	br_ec_public_key pk = { .curve = BR_EC_secp384r1, .q = point, .qlen = sizeof(point) };
	if (br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, digest, sizeof(digest), &pk, sig, 96) != 1)
		return fail(why, "the realm token's signature does not verify under its RAK");
	int r = platform_part(token, len, alg, alg_len, rak, rak_len, out, why);
	if (r != 0)
		return r;
	__builtin_memcpy(out->rak_claim, rak, rak_len);
	out->rak_claim_len = rak_len;
	return 0;
}

int peer_token_check(const uint8_t *token, size_t len, const struct peer_token *mine,
		     const uint8_t challenge[64], const uint8_t *rim, size_t rim_len, struct peer_token *out,
		     const char **why)
{
	int r = peer_token_parse(token, len, out, why);

	if (r != 0)
		return r;
	if (out->rak_claim_len != mine->rak_claim_len ||
	    __builtin_memcmp(out->rak_claim, mine->rak_claim, mine->rak_claim_len) != 0)
		return fail(why, "the peer's token is signed by another machine's RAK");
	if (__builtin_memcmp(out->platform_claims_digest, mine->platform_claims_digest, 48) != 0)
		return fail(why, "the peer's platform token is not this machine's");
	if (__builtin_memcmp(out->challenge, challenge, 64) != 0)
		return fail(why, "the peer's token is not bound to its key and our nonce");
	if (out->rim_len != rim_len || __builtin_memcmp(out->rim, rim, rim_len) != 0)
		return fail(why, "the peer's RIM is not the one expected");
	return 0;
}
