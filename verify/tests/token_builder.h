/*
 * A test-only CCA token producer: builds a collection whose platform and realm
 * tokens are signed with keys the test owns, so a test can change one thing
 * (drop a claim, break the binder, pick ES256/384/512, tag 907 or 399) and
 * re-sign, leaving exactly one check able to fail.
 */
#ifndef CAEC_VERIFY_TOKEN_BUILDER_H
#define CAEC_VERIFY_TOKEN_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verify/claims.h"

struct tb_options {
	uint64_t tag;             /* 907 or 399 */
	EVP_PKEY *platform_key;   /* private; its curve picks the algorithm */
	EVP_PKEY *rak;            /* private */
	bool rak_as_sec1;         /* legacy raw point instead of a COSE_Key */
	enum cca_hash_alg rak_hash_alg;
	int64_t omit_realm_claim;    /* 0: none */
	int64_t omit_platform_claim; /* 0: none */
	bool corrupt_binder;
	int64_t extra_realm_claim;   /* 0: none; else an unknown key with a text value */
	int64_t duplicate_realm_claim; /* 0: none; else this key appears twice */
	bool caec_claims;            /* add 65001..65004 */
	const char *realm_profile;    /* claim 265 of each token; NULL: the 2023 profiles */
	const char *platform_profile;
	uint64_t lifecycle;          /* claim 2395 (0x3003, secured) */
	size_t meas_len;             /* bytes of the RIM and each REM (32, sha-256's) */
	size_t config_len;           /* bytes of claim 2401 (4), at most TB_MAX_CONFIG */
	uint8_t nonce[64];
	uint8_t rim[64];
	uint8_t realm_id[32];
	uint8_t membership_digest[32];
	uint8_t rpv[64];             /* claim 44235 (0x70 then zeros) */
	/* The one region of claim 65002 (with caec_claims). */
	uint64_t region_role;        /* key 2 (1, member) */
	uint64_t region_perms;       /* key 3 (3, rw) */
	uint8_t owner_rim[64];       /* key 4 (zeros), meas_len bytes */
	uint8_t owner_realm_id[32];  /* key 7 (0x01 x 32) */
	size_t owner_realm_id_len;   /* its length (32), at most 32 */
	uint8_t acl_digest[64];      /* key 8 (0x66 x 32) */
	size_t acl_digest_len;       /* its length (32) */
	uint64_t region_flags;       /* key 9 (0) */
	int64_t omit_region_key;     /* 0: none */
	int64_t extra_region_key;    /* 0: none; else an unknown key with a uint value */
};

#define TB_MAX_CONFIG 6000

/* Defaults: tag 907, COSE_Key RAK, sha-256 binder, nonce 0x5a.., rim 0x11.., secured. */
void tb_defaults(struct tb_options *o, EVP_PKEY *platform_key, EVP_PKEY *rak);
/* Builds the token into out; returns its length (the test fails if it does not fit). */
size_t tb_build(const struct tb_options *o, uint8_t *out, size_t cap);
/* Wraps two COSE_Sign1 byte strings into a collection. */
size_t tb_collection(uint64_t tag, const uint8_t *plat, size_t plat_len, const uint8_t *realm,
		     size_t realm_len, uint8_t *out, size_t cap);
/* Signs payload as a tagged COSE_Sign1 with key (algorithm from the curve). */
size_t tb_sign1(EVP_PKEY *key, const uint8_t *payload, size_t payload_len, uint8_t *out, size_t cap);

/*
 * Tokens with any CAEC claims (group attestation): a realm ID, any number of
 * claim 65002 regions, claim 65003 at will, under any realm hash algorithm.
 */
struct tb_region {
	uint64_t csm_id, role, perms, generation, flags; /* keys 1, 2, 3, 6, 9 */
	uint8_t owner_rim[64];         /* key 4, the hash size */
	uint8_t owner_realm_id[32];    /* key 7 */
	uint8_t membership_digest[64]; /* key 5, the hash size */
	uint8_t acl_digest[64];        /* key 8, the hash size */
};

struct tb_caec {
	enum cca_hash_alg hash_alg;    /* claim 44236; the RIM and REMs stay o->meas_len bytes */
	uint8_t realm_id[32];          /* claim 65001 */
	size_t num_regions;            /* claim 65002, at most CAEC_MAX_REGIONS */
	struct tb_region regions[CAEC_MAX_REGIONS];
	bool has_policy_digest;        /* claim 65003 */
	uint8_t policy_digest[64];     /* the hash size */
	uint64_t config_flags;         /* claim 65004 */
};

/* tb_build with these CAEC claims instead of o's (o->caec_claims and
 * o->omit_realm_claim are not used). */
size_t tb_build_caec(const struct tb_options *o, const struct tb_caec *caec, uint8_t *out, size_t cap);

#endif
