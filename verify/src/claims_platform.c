/* CCA platform token claims (both the 2023 profile and the legacy CCA-SSD one). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "claims_map.h"

#define CHECK VERIFY_CHECK_PLATFORM_CLAIMS

enum {
	HAVE_PROFILE = 1 << 0,
	HAVE_CHALLENGE = 1 << 1,
	HAVE_IMPL_ID = 1 << 2,
	HAVE_INSTANCE_ID = 1 << 3,
	HAVE_CONFIG = 1 << 4,
	HAVE_LIFECYCLE = 1 << 5,
	HAVE_SW = 1 << 6,
	HAVE_HASH_ALG = 1 << 7,
};

static const struct claim_required platform_mandatory[] = {
	{ HAVE_PROFILE, CCA_CLAIM_PROFILE, "profile" },
	{ HAVE_CHALLENGE, CCA_CLAIM_CHALLENGE, "challenge (binder)" },
	{ HAVE_IMPL_ID, CCA_PLAT_IMPLEMENTATION_ID, "implementation ID" },
	{ HAVE_INSTANCE_ID, CCA_PLAT_INSTANCE_ID, "instance ID" },
	{ HAVE_CONFIG, CCA_PLAT_CONFIG, "platform configuration" },
	{ HAVE_LIFECYCLE, CCA_PLAT_LIFECYCLE, "security lifecycle" },
	{ HAVE_SW, CCA_PLAT_SW_COMPONENTS, "software components" },
	{ HAVE_HASH_ALG, CCA_PLAT_HASH_ALG, "hash algorithm" },
};

/* The two mandatory keys of a software component. */
enum { SWC_HAVE_MEASUREMENT = 1 << 0, SWC_HAVE_SIGNER = 1 << 1 };

static int read_sw_field(struct cbor_reader *r, const struct claim_key *key, bool strict,
			 void *out, unsigned *have, struct verify_result *res)
{
	struct cca_sw_component *c = out;
	switch (key->is_text ? -1 : key->num) {
	case CCA_SWC_TYPE:
		c->has_type = true;
		return claim_tstr(r, key, &c->type, CHECK, res);
	case CCA_SWC_MEASUREMENT:
		*have |= SWC_HAVE_MEASUREMENT;
		return claim_bstr(r, key, 32, 64, &c->measurement, CHECK, res);
	case CCA_SWC_VERSION:
		c->has_version = true;
		return claim_tstr(r, key, &c->version, CHECK, res);
	case CCA_SWC_SIGNER_ID:
		*have |= SWC_HAVE_SIGNER;
		return claim_bstr(r, key, 32, 64, &c->signer_id, CHECK, res);
	case CCA_SWC_HASH_ALG:
		c->has_hash_alg = true;
		return claim_tstr(r, key, &c->hash_alg, CHECK, res);
	default:
		return claim_unknown(r, key, strict, NULL, CHECK, res);
	}
}

static int read_sw_component(struct cbor_reader *r, bool strict, size_t index,
			     struct cca_sw_component *c, struct verify_result *res)
{
	unsigned have = 0;
	char what[48];

	snprintf(what, sizeof(what), "software component %zu", index);
	if (claims_map_walk(r, what, CHECK, read_sw_field, strict, c, &have, res) != 0)
		return -EBADMSG;
	if (!(have & SWC_HAVE_MEASUREMENT))
		return verify_fail(res, CHECK, "%s: measurement value (key 2) is missing", what);
	if (!(have & SWC_HAVE_SIGNER))
		return verify_fail(res, CHECK, "%s: signer ID (key 5) is missing", what);
	return 0;
}

static int read_sw_components(struct cbor_reader *r, bool strict, struct cca_platform_claims *out,
			      struct verify_result *res)
{
	uint64_t n;
	if (cbor_read_array(r, &n) != 0)
		return claims_fail_cbor(res, CHECK, "claim 2399 (software components)", r);
	if (n == 0 || n > CCA_MAX_SW_COMPONENTS)
		return verify_fail(res, CHECK, "claim 2399: %" PRIu64 " software components, must be 1..%d",
				   n, CCA_MAX_SW_COMPONENTS);
	for (size_t i = 0; i < n; i++)
		if (read_sw_component(r, strict, i, &out->sw_components[i], res) != 0)
			return -EBADMSG;
	out->num_sw_components = (size_t)n;
	return 0;
}

static int read_claim(struct cbor_reader *r, const struct claim_key *key, bool strict,
		      void *claims, unsigned *have, struct verify_result *res)
{
	struct cca_platform_claims *out = claims;
	switch (key->is_text ? -1 : key->num) {
	case CCA_CLAIM_PROFILE:
		*have |= HAVE_PROFILE;
		return claim_tstr(r, key, &out->profile, CHECK, res);
	case CCA_CLAIM_CHALLENGE:
		*have |= HAVE_CHALLENGE;
		return claim_digest(r, key, &out->challenge, CHECK, res);
	case CCA_PLAT_IMPLEMENTATION_ID:
		*have |= HAVE_IMPL_ID;
		return claim_bstr(r, key, 32, 64, &out->implementation_id, CHECK, res);
	case CCA_PLAT_INSTANCE_ID:
		*have |= HAVE_INSTANCE_ID;
		if (claim_bstr(r, key, CCA_INSTANCE_ID_SIZE, CCA_INSTANCE_ID_SIZE, &out->instance_id,
			       CHECK, res) != 0)
			return -EBADMSG;
		/* An EAT UEID of type RAND starts with 0x01. */
		if (out->instance_id.ptr[0] != 0x01)
			return verify_fail(res, CHECK, "claim 256: instance ID must start with 0x01");
		return 0;
	case CCA_PLAT_CONFIG:
		*have |= HAVE_CONFIG;
		/* No bound but the input's: neither the specification nor Veraison sets one. */
		return claim_bstr(r, key, 0, CBOR_MAX_INPUT, &out->config, CHECK, res);
	case CCA_PLAT_LIFECYCLE:
		*have |= HAVE_LIFECYCLE;
		return claim_uint(r, key, 0xffff, &out->lifecycle, CHECK, res);
	case CCA_PLAT_SW_COMPONENTS:
		*have |= HAVE_SW;
		return read_sw_components(r, strict, out, res);
	case CCA_PLAT_VERIFICATION_SERVICE:
		out->has_verification_service = true;
		return claim_tstr(r, key, &out->verification_service, CHECK, res);
	case CCA_PLAT_HASH_ALG:
		*have |= HAVE_HASH_ALG;
		return claim_tstr(r, key, &out->hash_alg, CHECK, res);
	default:
		return claim_unknown(r, key, strict, &out->num_unknown, CHECK, res);
	}
}

int cca_platform_claims_decode(const uint8_t *buf, size_t len, bool strict,
			       struct cca_platform_claims *out, struct verify_result *res)
{
	static const char *const profiles[] = { CCA_PLATFORM_PROFILE, CCA_PLATFORM_PROFILE_LEGACY, NULL };
	memset(out, 0, sizeof(*out));
	if (claims_decode_map(buf, len, "platform claims", CHECK, read_claim, strict, out,
			      platform_mandatory, sizeof(platform_mandatory) / sizeof(platform_mandatory[0]),
			      res) != 0)
		return -EBADMSG;
	return claim_check_profile(out->profile, profiles, strict, CHECK, res);
}
