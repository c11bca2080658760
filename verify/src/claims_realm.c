/*
 * Realm token claims (RMM 1.0 attestation token) and the CAEC extension's
 * claims 65001-65004.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "abi/caec.h"
#include "claims_map.h"

#define CHECK VERIFY_CHECK_REALM_CLAIMS
/* The region flags (claim 65002 key 9) revision 2 defines. */
#define CAEC_REGION_FLAGS_KNOWN (CAEC_REGION_FLAG_OWNER_DESTROYED | CAEC_REGION_FLAG_SEALED)

/* Bit per mandatory claim, to report the first one missing. */
enum {
	HAVE_CHALLENGE = 1 << 0,
	HAVE_RPV = 1 << 1,
	HAVE_HASH_ALG = 1 << 2,
	HAVE_RAK = 1 << 3,
	HAVE_RAK_HASH_ALG = 1 << 4,
	HAVE_RIM = 1 << 5,
	HAVE_REMS = 1 << 6,
};

static const struct claim_required realm_mandatory[] = {
	{ HAVE_CHALLENGE, CCA_CLAIM_CHALLENGE, "challenge" },
	{ HAVE_RPV, CCA_REALM_PERSONALIZATION, "personalization value" },
	{ HAVE_HASH_ALG, CCA_REALM_HASH_ALG, "hash algorithm" },
	{ HAVE_RAK, CCA_REALM_PUB_KEY, "public key (RAK)" },
	{ HAVE_RAK_HASH_ALG, CCA_REALM_PUB_KEY_HASH_ALG, "public key hash algorithm" },
	{ HAVE_RIM, CCA_REALM_INITIAL_MEAS, "initial measurement (RIM)" },
	{ HAVE_REMS, CCA_REALM_EXTENSIBLE_MEAS, "extensible measurements (REMs)" },
};

static int read_hash_alg(struct cbor_reader *r, const struct claim_key *key,
			 struct cca_text *name, enum cca_hash_alg *alg, struct verify_result *res)
{
	if (claim_tstr(r, key, name, CHECK, res) != 0)
		return -EBADMSG;
	if (cca_hash_alg_from_name(*name, alg) != 0)
		return verify_fail(res, CHECK, "claim %" PRId64 ": unknown hash algorithm \"%.*s\"",
				   key->num, (int)(name->len > 32 ? 32 : name->len), name->ptr);
	return 0;
}

static int read_rems(struct cbor_reader *r, const struct claim_key *key,
		     struct cca_realm_claims *out, struct verify_result *res)
{
	uint64_t n;
	if (cbor_read_array(r, &n) != 0)
		return claims_fail_cbor(res, CHECK, "claim 44239 (REMs)", r);
	if (n != CCA_NUM_REMS)
		return verify_fail(res, CHECK, "claim 44239: %" PRIu64 " REMs, must be %d", n,
				   CCA_NUM_REMS);
	for (size_t i = 0; i < CCA_NUM_REMS; i++)
		if (claim_digest(r, key, &out->rem[i], CHECK, res) != 0)
			return -EBADMSG;
	return 0;
}

/* A note once per token, however many regions carry unknown flag bits. */
static void note_region_flags(struct verify_result *res, uint64_t csm_id, uint64_t flags)
{
	for (size_t i = 0; i < res->num_notes; i++)
		if (!strcmp(res->notes[i].rule, "unknown-region-flags"))
			return;
	verify_note(res, CHECK, "unknown-region-flags",
		    "claim 65002: region 0x%" PRIx64 " flags 0x%" PRIx64
		    " carry bits this verifier does not know (only 0x%" PRIx64
		    " is defined); they are ignored (strict mode refuses)",
		    csm_id, flags, CAEC_REGION_FLAGS_KNOWN);
}

static int read_region_flags(struct cbor_reader *r, const struct claim_key *key, bool strict,
			     struct caec_region *reg, struct verify_result *res)
{
	if (claim_uint(r, key, UINT64_MAX, &reg->flags, CHECK, res) != 0)
		return -EBADMSG;
	if ((reg->flags & ~CAEC_REGION_FLAGS_KNOWN) == 0)
		return 0;
	if (strict)
		return verify_fail(res, CHECK,
				   "claim 65002: region flags 0x%" PRIx64 " carry unknown bits (only 0x%" PRIx64
				   " is defined; strict mode)",
				   reg->flags, CAEC_REGION_FLAGS_KNOWN);
	/* csm_id may come after the flags: the note names the region once it is known. */
	reg->has_unknown_flags = true;
	return 0;
}

/* One field of a claim 65002 map; *have gets bit k for key k, all nine are mandatory. */
static int read_region_field(struct cbor_reader *r, const struct claim_key *key, bool strict,
			     void *out, unsigned *have, struct verify_result *res)
{
	struct caec_region *reg = out;
	struct claim_key named = *key; /* messages say "claim 65002 key 7" */
	int64_t k = key->is_text ? -1 : key->num;
	named.parent = CAEC_CLAIM_REGIONS;
	key = &named;
	if (k >= CAEC_REGION_CSM_ID && k <= CAEC_REGION_FLAGS)
		*have |= 1u << k;
	switch (k) {
	case CAEC_REGION_CSM_ID:
		return claim_uint(r, key, UINT64_MAX, &reg->csm_id, CHECK, res);
	case CAEC_REGION_ROLE:
		return claim_uint(r, key, 1, &reg->role, CHECK, res);
	case CAEC_REGION_PERMS:
		/* A mapping's perms: no admit count (that is an ACL entry's). */
		return claim_uint(r, key, CSM_PERM_READ | CSM_PERM_WRITE, &reg->perms, CHECK, res);
	case CAEC_REGION_OWNER_RIM:
		return claim_digest(r, key, &reg->owner_rim, CHECK, res);
	case CAEC_REGION_MEMBERSHIP_DIGEST:
		return claim_digest(r, key, &reg->membership_digest, CHECK, res);
	case CAEC_REGION_GENERATION:
		return claim_uint(r, key, UINT64_MAX, &reg->generation, CHECK, res);
	case CAEC_REGION_OWNER_REALM_ID:
		return claim_bstr(r, key, CAEC_REALM_ID_SIZE, CAEC_REALM_ID_SIZE, &reg->owner_realm_id,
				  CHECK, res);
	case CAEC_REGION_ACL_DIGEST:
		return claim_digest(r, key, &reg->acl_digest, CHECK, res);
	case CAEC_REGION_FLAGS:
		return read_region_flags(r, key, strict, reg, res);
	default:
		return claim_unknown(r, key, strict, NULL, CHECK, res);
	}
}

static int read_region(struct cbor_reader *r, bool strict, struct caec_region *reg,
		       struct verify_result *res)
{
	unsigned have = 0;
	if (claims_map_walk(r, "claim 65002 region", CHECK, read_region_field, strict, reg, &have,
			    res) != 0)
		return -EBADMSG;
	for (int k = CAEC_REGION_CSM_ID; k <= CAEC_REGION_FLAGS; k++)
		if (!(have & (1u << k)))
			return verify_fail(res, CHECK, "claim 65002: region without key %d", k);
	if (reg->has_unknown_flags)
		note_region_flags(res, reg->csm_id, reg->flags);
	return 0;
}

static int read_regions(struct cbor_reader *r, bool strict, struct cca_realm_claims *out,
			struct verify_result *res)
{
	uint64_t n;
	if (cbor_read_array(r, &n) != 0)
		return claims_fail_cbor(res, CHECK, "claim 65002 (CSM regions)", r);
	if (n > CAEC_MAX_REGIONS)
		return verify_fail(res, CHECK, "claim 65002: %" PRIu64 " regions, more than %d", n,
				   CAEC_MAX_REGIONS);
	for (size_t i = 0; i < n; i++)
		if (read_region(r, strict, &out->regions[i], res) != 0)
			return -EBADMSG;
	out->num_regions = (size_t)n;
	out->has_regions = true;
	return 0;
}

static int read_claim(struct cbor_reader *r, const struct claim_key *key, bool strict,
		      void *claims, unsigned *have, struct verify_result *res)
{
	struct cca_realm_claims *out = claims;
	int64_t k = key->is_text ? -1 : key->num;
	switch (k) {
	case CCA_CLAIM_PROFILE:
		out->has_profile = true;
		return claim_tstr(r, key, &out->profile, CHECK, res);
	case CCA_CLAIM_CHALLENGE:
		*have |= HAVE_CHALLENGE;
		return claim_bstr(r, key, CCA_REALM_CHALLENGE_SIZE, CCA_REALM_CHALLENGE_SIZE,
				  &out->challenge, CHECK, res);
	case CCA_REALM_PERSONALIZATION:
		*have |= HAVE_RPV;
		return claim_bstr(r, key, CCA_RPV_SIZE, CCA_RPV_SIZE, &out->rpv, CHECK, res);
	case CCA_REALM_HASH_ALG:
		*have |= HAVE_HASH_ALG;
		return read_hash_alg(r, key, &out->hash_alg_name, &out->hash_alg, res);
	case CCA_REALM_PUB_KEY:
		*have |= HAVE_RAK;
		return claim_bstr(r, key, 1, 1024, &out->rak, CHECK, res);
	case CCA_REALM_PUB_KEY_HASH_ALG:
		*have |= HAVE_RAK_HASH_ALG;
		return read_hash_alg(r, key, &out->rak_hash_alg_name, &out->rak_hash_alg, res);
	case CCA_REALM_INITIAL_MEAS:
		*have |= HAVE_RIM;
		return claim_digest(r, key, &out->rim, CHECK, res);
	case CCA_REALM_EXTENSIBLE_MEAS:
		*have |= HAVE_REMS;
		return read_rems(r, key, out, res);
	case CAEC_CLAIM_REALM_ID:
		out->has_realm_id = true;
		return claim_bstr(r, key, CAEC_REALM_ID_SIZE, CAEC_REALM_ID_SIZE, &out->realm_id,
				  CHECK, res);
	case CAEC_CLAIM_REGIONS:
		return read_regions(r, strict, out, res);
	case CAEC_CLAIM_POLICY_DIGEST:
		out->has_policy_digest = true;
		return claim_digest(r, key, &out->policy_digest, CHECK, res);
	case CAEC_CLAIM_CONFIG_FLAGS:
		out->has_config_flags = true;
		return claim_uint(r, key, UINT64_MAX, &out->config_flags, CHECK, res);
	default:
		return claim_unknown(r, key, strict, &out->num_unknown, CHECK, res);
	}
}

/*
 * Measurements are digests made with the realm's hash algorithm (44236), but
 * tokens exist whose RIM and REMs are 64 bytes under "sha-256", and
 * Veraison's verifiers accept any measurement of 32, 48 or 64 bytes
 * (claim_digest already holds them to that). Lenient mode accepts a
 * mismatch with a note; strict mode refuses it.
 */
static int check_measurement_sizes(const struct cca_realm_claims *c, bool strict,
				   struct verify_result *res)
{
	size_t want = cca_hash_size(c->hash_alg);
	const char *alg = cca_hash_name(c->hash_alg);
	char sizes[96];
	bool mismatch = c->rim.len != want;

	if (strict && c->rim.len != want)
		return verify_fail(res, CHECK, "claim 44238: RIM is %zu bytes, %s needs %zu (strict mode)",
				   c->rim.len, alg, want);
	for (size_t i = 0; i < CCA_NUM_REMS; i++) {
		if (c->rem[i].len == want)
			continue;
		if (strict)
			return verify_fail(res, CHECK,
					   "claim 44239: REM%zu is %zu bytes, %s needs %zu (strict mode)", i,
					   c->rem[i].len, alg, want);
		mismatch = true;
	}
	if (!mismatch)
		return 0;
	snprintf(sizes, sizeof(sizes), "RIM %zu, REMs %zu/%zu/%zu/%zu bytes", c->rim.len,
		 c->rem[0].len, c->rem[1].len, c->rem[2].len, c->rem[3].len);
	verify_note(res, CHECK, "measurement-size",
		    "realm measurements are not %s digests (%zu bytes): %s; accepted as Veraison's verifiers do (strict mode refuses)",
		    alg, want, sizes);
	return 0;
}

/*
 * The monitor computes both region digests with the realm's hash algorithm
 * (44236), which the map may name after claim 65002: checked once it is read.
 */
static int check_region_digests(const struct cca_realm_claims *c, struct verify_result *res)
{
	size_t want = cca_hash_size(c->hash_alg);
	for (size_t i = 0; i < c->num_regions; i++) {
		const struct caec_region *reg = &c->regions[i];
		if (reg->membership_digest.len != want || reg->acl_digest.len != want)
			return verify_fail(res, CHECK,
					   "claim 65002: region 0x%" PRIx64 ": %s digest is %zu bytes, %s needs %zu",
					   reg->csm_id,
					   reg->membership_digest.len != want ? "membership" : "ACL",
					   reg->membership_digest.len != want ? reg->membership_digest.len
									     : reg->acl_digest.len,
					   cca_hash_name(c->hash_alg), want);
	}
	return 0;
}

int cca_realm_claims_decode(const uint8_t *buf, size_t len, bool strict,
			    struct cca_realm_claims *out, struct verify_result *res)
{
	memset(out, 0, sizeof(*out));
	if (claims_decode_map(buf, len, "realm claims", CHECK, read_claim, strict, out,
			      realm_mandatory, sizeof(realm_mandatory) / sizeof(realm_mandatory[0]),
			      res) != 0)
		return -EBADMSG;
	static const char *const profiles[] = { CCA_REALM_PROFILE, NULL };
	if (out->has_profile && claim_check_profile(out->profile, profiles, strict, CHECK, res) != 0)
		return -EBADMSG;
	if (check_region_digests(out, res) != 0)
		return -EBADMSG;
	return check_measurement_sizes(out, strict, res);
}
