/*
 * The claims of a CCA attestation token, decoded and type-checked.
 *
 * A CCA token carries two claims maps: the platform's (signed by the platform
 * attestation key, CPAK) and the realm's (signed by the realm attestation key,
 * RAK, whose public half is itself claim 44237). Decoding checks that every
 * mandatory claim is present with its type and size, refuses duplicate keys,
 * and either ignores unknown claims (lenient, the default: newer producers may
 * add claims) or refuses them (strict). The CAEC extension's claims
 * 65001-65004 (spec/caec-ext.md) are decoded into the realm structure.
 *
 * All byte and text fields point into the caller's buffer: the structures are
 * valid only while it lives, and nothing is allocated.
 */
#ifndef CAEC_VERIFY_CLAIMS_H
#define CAEC_VERIFY_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/result.h"

/* Claim keys (RMM 1.0 attestation token and the CCA platform token). */
#define CCA_CLAIM_PROFILE            265
#define CCA_CLAIM_CHALLENGE          10
#define CCA_REALM_PERSONALIZATION    44235
#define CCA_REALM_HASH_ALG           44236
#define CCA_REALM_PUB_KEY            44237
#define CCA_REALM_INITIAL_MEAS       44238
#define CCA_REALM_EXTENSIBLE_MEAS    44239
#define CCA_REALM_PUB_KEY_HASH_ALG   44240
#define CCA_PLAT_IMPLEMENTATION_ID   2396
#define CCA_PLAT_INSTANCE_ID         256
#define CCA_PLAT_CONFIG              2401
#define CCA_PLAT_LIFECYCLE           2395
#define CCA_PLAT_SW_COMPONENTS       2399
#define CCA_PLAT_VERIFICATION_SERVICE 2400
#define CCA_PLAT_HASH_ALG            2402
/* Keys inside one software component map. */
#define CCA_SWC_TYPE        1
#define CCA_SWC_MEASUREMENT 2
#define CCA_SWC_VERSION     4
#define CCA_SWC_SIGNER_ID   5
#define CCA_SWC_HASH_ALG    6

#define CCA_REALM_PROFILE    "tag:arm.com,2023:realm#1.0.0"
#define CCA_PLATFORM_PROFILE "tag:arm.com,2023:cca_platform#1.0.0"
#define CCA_PLATFORM_PROFILE_LEGACY "http://arm.com/CCA-SSD/1.0.0"

#define CCA_REALM_CHALLENGE_SIZE 64
#define CCA_RPV_SIZE             64
#define CCA_INSTANCE_ID_SIZE     33
#define CCA_NUM_REMS             4
#define CCA_MAX_SW_COMPONENTS    32
#define CAEC_MAX_REGIONS         32
#define CCA_MAX_CLAIMS           64 /* entries in any one claims map */

enum cca_hash_alg {
	CCA_HASH_SHA256 = 0,
	CCA_HASH_SHA384 = 1,
	CCA_HASH_SHA512 = 2,
};

struct cca_bytes {
	const uint8_t *ptr;
	size_t len;
};

struct cca_text {
	const char *ptr; /* not NUL-terminated */
	size_t len;
};

/*
 * The platform's security lifecycle (claim 2395): the state is the high byte,
 * 0xN000..0xN0FF for state N; the low byte is implementation defined. Values
 * outside these ranges name no state (CCA_LIFECYCLE_INVALID). Names as
 * Veraison's ccatoken spells them (the PSA token's states, "cca-platform"
 * for "psa").
 */
enum cca_lifecycle {
	CCA_LIFECYCLE_UNKNOWN = 0,                 /* 0x0000 */
	CCA_LIFECYCLE_ASSEMBLY_AND_TEST = 1,       /* 0x1000 */
	CCA_LIFECYCLE_ROT_PROVISIONING = 2,        /* 0x2000 */
	CCA_LIFECYCLE_SECURED = 3,                 /* 0x3000 */
	CCA_LIFECYCLE_NON_ROT_DEBUG = 4,           /* 0x4000 */
	CCA_LIFECYCLE_RECOVERABLE_ROT_DEBUG = 5,   /* 0x5000 */
	CCA_LIFECYCLE_DECOMMISSIONED = 6,          /* 0x6000 */
	CCA_LIFECYCLE_INVALID = 7,
};

enum cca_lifecycle cca_lifecycle_state(uint64_t value);
/* "secured", "recoverable-cca-platform-rot-debug", ..., "invalid". */
const char *cca_lifecycle_name(enum cca_lifecycle state);
/*
 * States a relying party may accept when it allows a debug platform
 * (--allow-debug): the debug states and the factory states before the
 * platform is secured. Unknown, decommissioned and invalid never are.
 */
bool cca_lifecycle_is_debug(enum cca_lifecycle state);

/* "sha-256" etc. -> 0, or -EINVAL for a name this verifier does not know. */
int cca_hash_alg_from_name(struct cca_text name, enum cca_hash_alg *alg);
size_t cca_hash_size(enum cca_hash_alg alg);
const char *cca_hash_name(enum cca_hash_alg alg);
bool cca_text_eq(struct cca_text t, const char *s);
bool cca_bytes_eq(struct cca_bytes a, struct cca_bytes b);

/*
 * One entry of claim 65002: a CSM region the realm owns or maps. All nine keys
 * are mandatory (revision 2 of the extension). perms is the realm's own
 * mapping, READ and WRITE only: the admit count (bits[15:8]) belongs to ACL
 * entries, never to a region claim, so any other bit is refused. The two
 * digests are the realm hash algorithm's size (44236). flags bits other than
 * CAEC_REGION_FLAG_* are refused in strict mode and accepted with a note
 * ("unknown-region-flags") otherwise; appraisal reads only the known bits.
 */
struct caec_region {
	uint64_t csm_id;
	uint64_t role; /* 0 owner, 1 member */
	uint64_t perms; /* bit0 read, bit1 write */
	struct cca_bytes owner_rim;
	struct cca_bytes membership_digest;
	uint64_t generation;
	struct cca_bytes owner_realm_id; /* 32 bytes */
	struct cca_bytes acl_digest;
	uint64_t flags; /* CAEC_REGION_FLAG_OWNER_DESTROYED, _SEALED */
	bool has_unknown_flags; /* lenient mode accepted other bits */
};

struct cca_realm_claims {
	bool has_profile; /* legacy tokens carry none */
	struct cca_text profile;
	struct cca_bytes challenge;
	struct cca_bytes rpv;
	struct cca_text hash_alg_name;
	enum cca_hash_alg hash_alg;
	struct cca_bytes rak; /* raw bytes of claim 44237 */
	struct cca_text rak_hash_alg_name;
	enum cca_hash_alg rak_hash_alg;
	struct cca_bytes rim;
	struct cca_bytes rem[CCA_NUM_REMS];
	/* CAEC extension. */
	bool has_realm_id;
	struct cca_bytes realm_id;
	bool has_regions;
	size_t num_regions;
	struct caec_region regions[CAEC_MAX_REGIONS];
	bool has_policy_digest;
	struct cca_bytes policy_digest;
	bool has_config_flags;
	uint64_t config_flags;
	size_t num_unknown; /* claims ignored in lenient mode */
};

struct cca_sw_component {
	bool has_type, has_version, has_hash_alg;
	struct cca_text type;
	struct cca_bytes measurement;
	struct cca_text version;
	struct cca_bytes signer_id;
	struct cca_text hash_alg;
};

struct cca_platform_claims {
	struct cca_text profile;
	struct cca_bytes challenge;
	struct cca_bytes implementation_id;
	struct cca_bytes instance_id;
	struct cca_bytes config;
	uint64_t lifecycle;
	size_t num_sw_components;
	struct cca_sw_component sw_components[CCA_MAX_SW_COMPONENTS];
	bool has_verification_service;
	struct cca_text verification_service;
	struct cca_text hash_alg;
	size_t num_unknown;
};

/*
 * Decode a claims map that must fill buf exactly. 0, or -EBADMSG with res
 * naming VERIFY_CHECK_REALM_CLAIMS / VERIFY_CHECK_PLATFORM_CLAIMS.
 */
int cca_realm_claims_decode(const uint8_t *buf, size_t len, bool strict,
			    struct cca_realm_claims *out, struct verify_result *res);
int cca_platform_claims_decode(const uint8_t *buf, size_t len, bool strict,
			       struct cca_platform_claims *out, struct verify_result *res);

#endif
