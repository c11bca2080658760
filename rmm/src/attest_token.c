/*
 * Building the attestation token (attest.h): the realm token's claims, its
 * COSE_Sign1 signature by the RAK, and the collection around it and the
 * platform token EL3 provides.
 *
 * Everything is built in one buffer without a second one: each piece is written a little past where it belongs, measured, and
 * moved down behind the CBOR head that announces its length, because
 * deterministic CBOR wants the shortest head and the length is known only
 * once the piece exists. The Sig_structure the RAK signs is never stored: it
 * is hashed as a short prefix followed by the payload where it lies.
 */
#include "abi/el3.h"
#include "abi/rmi.h"
#include "attest.h"
#include "cbor_enc.h"

#define REALM_PROFILE "tag:arm.com,2023:realm#1.0.0"

/* Realm claim keys. */
#define CLAIM_CHALLENGE     10
#define CLAIM_PROFILE       265
#define CLAIM_RPV           44235
#define CLAIM_HASH_ALGO     44236
#define CLAIM_RAK           44237
#define CLAIM_RIM           44238
#define CLAIM_REMS          44239
#define CLAIM_RAK_HASH_ALGO 44240

/* Collection: 907 {key: [263, bstr]}, or as the reference monitor of RMM
 * 1.0-rel0 builds it, 399 {key: bstr}. */
#define TAG_COLLECTION        907
#define TAG_COLLECTION_LEGACY 399
#define COLLECTION_PLATFORM   44234
#define COLLECTION_REALM      44241
#define CONTENT_FORMAT_SIGN1  263

#define COSE_TAG_SIGN1 18
/* COSE_Key labels and values. */
#define COSE_KEY_KTY     1
#define COSE_KEY_CRV     (-1)
#define COSE_KEY_X       (-2)
#define COSE_KEY_Y       (-3)
#define COSE_KTY_EC2     2
#define COSE_CRV_P384    2

/* Room left in front of a piece for the head(s) announcing it: the longest
 * prefix written there is key + [263, + bstr head = 3 + 1 + 3 + 3, or with
 * the collection's tag and map in front 3 + 1 more; 16 covers both. */
#define PIECE_GAP 16

/* {1: -35}: alg ES384 */
static const uint8_t protected_es384[] = { 0xa1, 0x01, 0x38, 0x22 };

static size_t realm_hash_size(uint32_t algo)
{
	switch (algo) {
	case RMI_HASH_SHA_256:
		return 32;
	case RMI_HASH_SHA_512:
		return 64;
	}
	return 0;
}

static const char *realm_hash_name(uint32_t algo)
{
	return algo == RMI_HASH_SHA_512 ? "sha-512" : "sha-256";
}

bool attest_rak_claim(uint8_t out[ATTEST_RAK_CLAIM_MAX], size_t *len)
{
	uint8_t x[PLAT_RAK_COORD_SIZE], y[PLAT_RAK_COORD_SIZE];
	struct cbor_enc e;

	*len = 0;
	if (!plat_rak_public(x, y))
		return false;
	cbor_enc_init(&e, out, ATTEST_RAK_CLAIM_MAX);
	/* Keys in deterministic order: 1, -1, -2, -3. */
	cbor_enc_map(&e, 4);
	cbor_enc_int(&e, COSE_KEY_KTY);
	cbor_enc_int(&e, COSE_KTY_EC2);
	cbor_enc_int(&e, COSE_KEY_CRV);
	cbor_enc_int(&e, COSE_CRV_P384);
	cbor_enc_int(&e, COSE_KEY_X);
	cbor_enc_bstr(&e, x, sizeof(x));
	cbor_enc_int(&e, COSE_KEY_Y);
	cbor_enc_bstr(&e, y, sizeof(y));
	if (!cbor_enc_ok(&e))
		return false;
	*len = e.len;
	return true;
}

/* The claims map, the same under either collection tag: the reference
 * monitor of RMM 1.0-rel0 already sends the profile and a COSE_Key RAK in its
 * tag 399 tokens. Keys in deterministic order: 10, 265, 44235..44240 (the
 * reference writes them in another order; a map's meaning does not depend
 * on it), then the CAEC extension's 65001 (realm ID), 65002 (the regions it
 * owns or maps, possibly none) and 65004 (config flags), which every realm
 * token carries, and 65003 (the policy digest) between them once the realm
 * has set a policy; verifiers that do not know them ignore them, as the CCA
 * token rules allow. */
static void put_realm_claims(struct cbor_enc *e, const struct attest_realm_state *st,
			     const uint8_t challenge[ATTEST_CHALLENGE_SIZE],
			     const uint8_t *rak_claim, size_t rak_claim_len)
{
	size_t hsize = realm_hash_size(st->hash_algo);

	cbor_enc_map(e, st->has_policy ? 12 : 11);
	cbor_enc_uint(e, CLAIM_CHALLENGE);
	cbor_enc_bstr(e, challenge, ATTEST_CHALLENGE_SIZE);
	cbor_enc_uint(e, CLAIM_PROFILE);
	cbor_enc_cstr(e, REALM_PROFILE);
	cbor_enc_uint(e, CLAIM_RPV);
	cbor_enc_bstr(e, st->rpv, sizeof(st->rpv));
	cbor_enc_uint(e, CLAIM_HASH_ALGO);
	cbor_enc_cstr(e, realm_hash_name(st->hash_algo));
	cbor_enc_uint(e, CLAIM_RAK);
	cbor_enc_bstr(e, rak_claim, rak_claim_len);
	cbor_enc_uint(e, CLAIM_RIM);
	cbor_enc_bstr(e, st->rim, hsize);
	cbor_enc_uint(e, CLAIM_REMS);
	cbor_enc_array(e, ATTEST_NUM_REMS);
	for (unsigned i = 0; i < ATTEST_NUM_REMS; i++)
		cbor_enc_bstr(e, st->rem[i], hsize);
	cbor_enc_uint(e, CLAIM_RAK_HASH_ALGO);
	cbor_enc_cstr(e, "sha-256");
	cbor_enc_uint(e, CAEC_CLAIM_REALM_ID);
	cbor_enc_bstr(e, st->realm_id, sizeof(st->realm_id));
	if (!attest_put_regions(e, st))
		e->failed = true;
	if (st->has_policy) {
		cbor_enc_uint(e, CAEC_CLAIM_POLICY_DIGEST);
		cbor_enc_bstr(e, st->policy_digest, hsize);
	}
	cbor_enc_uint(e, CAEC_CLAIM_CONFIG_FLAGS);
	cbor_enc_uint(e, st->caec_flags);
}

/* SHA-384 of ["Signature1", protected, h'', payload], payload in place. */
static bool sig_structure_digest(const uint8_t *payload, size_t payload_len,
				 uint8_t digest[PLAT_RAK_DIGEST_SIZE])
{
	uint8_t prefix[32];
	struct cbor_enc e;
	struct plat_hash_ctx h;

	cbor_enc_init(&e, prefix, sizeof(prefix));
	cbor_enc_array(&e, 4);
	cbor_enc_cstr(&e, "Signature1");
	cbor_enc_bstr(&e, protected_es384, sizeof(protected_es384));
	cbor_enc_bstr(&e, NULL, 0);
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, payload_len);
	if (!cbor_enc_ok(&e) || !plat_hash_init(&h, PLAT_HASH_SHA384))
		return false;
	bool ok = plat_hash_update(&h, prefix, e.len);
	ok = plat_hash_update(&h, payload, payload_len) && ok;
	return plat_hash_final(&h, digest) && ok; /* final always releases the context */
}

bool attest_realm_token_build(const struct attest_realm_state *st,
			      const uint8_t challenge[ATTEST_CHALLENGE_SIZE],
			      const uint8_t *rak_claim, size_t rak_claim_len, uint8_t *buf,
			      size_t cap, size_t *len)
{
	struct cbor_enc count, e;
	uint8_t digest[PLAT_RAK_DIGEST_SIZE];
	uint8_t *payload, *sig;
	size_t payload_len;

	*len = 0;
	if (realm_hash_size(st->hash_algo) == 0)
		return false;
	cbor_enc_init(&count, NULL, 0);
	put_realm_claims(&count, st, challenge, rak_claim, rak_claim_len);
	payload_len = count.len;

	/* 18([protected, {}, payload, signature]) */
	cbor_enc_init(&e, buf, cap);
	cbor_enc_tag(&e, COSE_TAG_SIGN1);
	cbor_enc_array(&e, 4);
	cbor_enc_bstr(&e, protected_es384, sizeof(protected_es384));
	cbor_enc_map(&e, 0);
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, payload_len);
	size_t payload_at = e.len;
	put_realm_claims(&e, st, challenge, rak_claim, rak_claim_len);
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, PLAT_RAK_SIG_SIZE);
	sig = cbor_enc_reserve(&e, PLAT_RAK_SIG_SIZE);
	if (!cbor_enc_ok(&e)) {
		*len = e.len;
		return false;
	}
	payload = buf + payload_at;
	if (!sig_structure_digest(payload, payload_len, digest) || !plat_rak_sign(digest, sig))
		return false;
	*len = e.len;
	return true;
}

/* Writes the head for a collection entry (key, then [263, bstr] under tag
 * 907, or a plain bstr under tag 399) of a piece of piece_len bytes
 * lying at buf[from..], so that the piece ends up right behind the head at
 * buf[at..]. Returns the offset just past the piece, or 0 on failure. */
static size_t place_entry(uint8_t *buf, size_t cap, size_t at, size_t from, size_t piece_len,
			  bool collection_start, bool legacy, uint64_t key)
{
	struct cbor_enc e;

	cbor_enc_init(&e, buf + at, from - at);
	if (collection_start) {
		cbor_enc_tag(&e, legacy ? TAG_COLLECTION_LEGACY : TAG_COLLECTION);
		cbor_enc_map(&e, 2);
	}
	cbor_enc_uint(&e, key);
	if (!legacy) {
		cbor_enc_array(&e, 2);
		cbor_enc_uint(&e, CONTENT_FORMAT_SIGN1);
	}
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, piece_len);
	if (!cbor_enc_ok(&e) || piece_len > cap - from)
		return 0;
	__builtin_memmove(buf + at + e.len, buf + from, piece_len);
	return at + e.len + piece_len;
}

bool attest_token_build(const struct attest_realm_state *st,
			const uint8_t challenge[ATTEST_CHALLENGE_SIZE], uint8_t *buf, size_t cap,
			uint8_t *el3_buf, uint64_t el3_pa, size_t el3_cap, size_t *len)
{
	bool legacy = plat_attest_token_format() == PLAT_TOKEN_FORMAT_LEGACY;
	uint8_t rak_claim[ATTEST_RAK_CLAIM_MAX];
	size_t rak_claim_len, plat_len, realm_len, end;
	struct smc_regs regs = { { 0 } };
	const size_t binder_size = 32;

	*len = 0;
	if (cap <= PIECE_GAP || el3_cap < binder_size || !attest_rak_claim(rak_claim, &rak_claim_len))
		return false;

	/* The platform token, bound to this RAK: EL3 reads the challenge from
	 * its buffer and writes the token over it; the token then moves to its
	 * place behind the gap. */
	if (!plat_hash(PLAT_HASH_SHA256, rak_claim, rak_claim_len, el3_buf))
		return false;
	regs.x[0] = RMM_GET_PLAT_TOKEN;
	regs.x[1] = el3_pa;
	regs.x[2] = el3_cap;
	regs.x[3] = binder_size;
	plat_el3_smc(&regs);
	if (regs.x[0] != E_RMM_OK || regs.x[1] == 0 || regs.x[1] > el3_cap ||
	    regs.x[1] > cap - PIECE_GAP)
		return false;
	plat_len = (size_t)regs.x[1];
	__builtin_memmove(buf + PIECE_GAP, el3_buf, plat_len);
	end = place_entry(buf, cap, 0, PIECE_GAP, plat_len, true, legacy, COLLECTION_PLATFORM);
	if (end == 0 || cap - end <= PIECE_GAP)
		return false;

	/* The realm token, built behind a gap and moved down in the same way. */
	if (!attest_realm_token_build(st, challenge, rak_claim, rak_claim_len,
				      buf + end + PIECE_GAP, cap - end - PIECE_GAP, &realm_len))
		return false;
	end = place_entry(buf, cap, end, end + PIECE_GAP, realm_len, false, legacy,
			  COLLECTION_REALM);
	if (end == 0)
		return false;
	*len = end;
	return true;
}
