/*
 * Appraisal: comparing a verified token's claims with reference values.
 *
 * Verification (verify/token.h) proves who signed what; appraisal decides
 * whether what was signed is acceptable: the platform implementation, the
 * firmware components it measured, the realm's initial and extensible
 * measurements and personalization value, and, for the CAEC extension, which
 * realms may share a confidential memory region with which. The relying
 * party writes these in a JSON file (format in verify/README.md). Each check
 * yields its own verdict: pass, fail, or skip when the file says nothing
 * about it, so a report shows exactly what was and was not appraised.
 *
 * The platform's security lifecycle is appraised whether or not reference
 * values are given: only a secured platform protects its realms, so any
 * other state fails unless the relying party allows a debug platform, and
 * even then only the debug and factory states pass (cca_lifecycle_is_debug).
 *
 * CSM co-membership: the token carries only digests of each region's member
 * list and ACL (claim 65002 keys 5 and 8). Both (what RSI_CSM_INFO reports)
 * can be supplied as evidence; their digests must match the claim, and then
 * every member and every ACL entry must be allowed by the reference rule for
 * that region. The region's owner is told apart from a clone of it (a realm
 * with the same RIM) by its realm ID (key 7), never by its RIM.
 */
#ifndef CAEC_VERIFY_APPRAISE_H
#define CAEC_VERIFY_APPRAISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verify/token.h"

#define REF_VALUE_MAX 64
#define REF_WHY_MAX   256

struct ref_value {
	uint8_t bytes[REF_VALUE_MAX];
	size_t len;
};

/* present == false: the file does not constrain this claim. */
struct ref_value_list {
	bool present;
	size_t count;
	struct ref_value *values;
};

struct ref_sw_component {
	char *type, *version;   /* NULL: any */
	struct ref_value measurement;
	bool has_signer;
	struct ref_value signer;
};

/* The identity kinds of an ACL entry (abi/caec.h CSM_IDENTITY_*) and of a rule. */
enum csm_identity_kind { CSM_ID_RIM = 1, CSM_ID_REALM_ID = 2, CSM_ID_RIM_RPV = 3 };

struct ref_csm_identity {
	enum csm_identity_kind kind;
	struct ref_value value; /* the RIM, or the realm ID */
	struct ref_value rpv;   /* CSM_ID_RIM_RPV: the 64-byte personalization value */
	uint64_t max_perms; /* CSM_PERM_READ | CSM_PERM_WRITE */
};

/* A rule's region flag requirement: any, or the flag set, or clear. */
enum ref_flag_rule { REF_FLAG_ANY = 0, REF_FLAG_SET, REF_FLAG_CLEAR };

/*
 * Regions owned by a realm measuring owner_rim may be shared with these
 * members; the optional constraints apply to every such region.
 */
struct ref_csm_rule {
	struct ref_value owner_rim;
	size_t num_members;
	struct ref_csm_identity *members;
	bool has_owner_realm_id;
	uint8_t owner_realm_id[32]; /* claim 65002 key 7 must equal it */
	bool has_acl_digest;
	struct ref_value acl_digest; /* key 8 must equal it */
	enum ref_flag_rule sealed, owner_destroyed; /* key 9's bits */
};

struct verify_refvals {
	size_t num_platform_keys;
	EVP_PKEY **platform_keys;
	struct ref_value_list implementation_ids, rims, rpvs;
	struct ref_value_list rems[CCA_NUM_REMS];
	bool has_sw_components;
	size_t num_sw_components;
	struct ref_sw_component *sw_components;
	bool has_csm;
	size_t num_csm_rules;
	struct ref_csm_rule *csm_rules;
};

/* Loads a reference file; key paths are relative to its folder. 0 or -errno + why. */
int verify_refvals_load(const char *path, struct verify_refvals **out, char why[REF_WHY_MAX]);
/* The same from JSON text; base_dir resolves relative key paths (NULL: cwd). */
int verify_refvals_parse(const char *json, size_t len, const char *base_dir,
			 struct verify_refvals **out, char why[REF_WHY_MAX]);
void verify_refvals_free(struct verify_refvals *ref);

/* ---- CSM membership evidence ---------------------------------------------- */
/*
 * What RSI_CSM_INFO reports of a region (the region report of
 * spec/caec-ext.md), as the --members file gives it (format:
 * verify/README.md). Only the member list and the ACL are hashed into the
 * token; the other fields, when given, must equal the token's claim.
 */
enum csm_member_state {
	CSM_MEMBER_STATE_UNKNOWN = 0, /* not given */
	CSM_MEMBER_ATTACHING,
	CSM_MEMBER_MAPPED,
	CSM_MEMBER_DETACHING,
};

struct csm_member {
	uint8_t realm_id[32];
	struct ref_value rim;
	uint64_t perms; /* CSM_PERM_READ | CSM_PERM_WRITE */
	enum csm_member_state state;
	bool has_policy_digest;
	struct ref_value policy_digest;
};

/* One ACL entry as the monitor holds it: the identity record's value, zero padded. */
struct csm_acl_entry {
	uint64_t kind; /* CSM_IDENTITY_RIM, _REALM_ID, _RIM_RPV */
	uint8_t value[128];
	uint64_t perms; /* READ, WRITE and the admit count (bits[15:8]) */
};

struct csm_member_list {
	uint64_t csm_id;
	size_t num_members;
	struct csm_member *members;
	bool has_acl; /* the file gave "acl" (possibly empty) */
	size_t num_acl;
	struct csm_acl_entry *acl;
	bool has_generation, has_flags, has_owner;
	uint64_t generation, flags;
	uint8_t owner_realm_id[32];
	struct ref_value owner_rim;
};

struct csm_evidence {
	size_t num_regions;
	struct csm_member_list *regions;
};

int csm_evidence_load(const char *path, struct csm_evidence **out, char why[REF_WHY_MAX]);
int csm_evidence_parse(const char *json, size_t len, struct csm_evidence **out,
		       char why[REF_WHY_MAX]);
void csm_evidence_free(struct csm_evidence *ev);

/*
 * The membership digest of claim 65002: H_alg over the CBOR array of the
 * members sorted by realm ID (bytewise), each member [realm_id bstr(32),
 * rim bstr, perms uint], shortest-form heads. Sorts list in place. Returns
 * the digest size, or 0 when the list is too long (> 256 members).
 */
size_t caec_membership_digest(enum cca_hash_alg alg, struct csm_member_list *list,
			      uint8_t out[64]);

/*
 * The ACL digest of claim 65002 (key 8): H_alg over the CBOR array of the
 * entries, each [kind uint, value bstr, perms uint] with shortest-form heads,
 * sorted bytewise by that encoding. value is the record's value cut to its
 * kind: kind 1 value[0..hash size), kind 2 value[0..32), kind 3
 * value[0..hash size) followed by value[64..128) (the RIM, then the whole
 * RPV; verify/README.md says why this is not 2 x hash size for sha-256 and
 * sha-384). Returns the digest size, or 0 (why says what) for an unknown
 * kind, a perms bit outside CSM_PERM_VALID, nonzero bytes outside the
 * kind's value (the digest would not bind them), or more than 256 entries.
 */
size_t caec_acl_digest(enum cca_hash_alg alg, const struct csm_acl_entry *acl, size_t n,
		       uint8_t out[64], char why[REF_WHY_MAX]);

/* ---- Verdicts --------------------------------------------------------------- */
enum verdict_status { VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP };

struct verify_verdict {
	const char *check; /* "rim", "sw-components", ... (static) */
	enum verdict_status status;
	char reason[REF_WHY_MAX];
};

#define APPRAISAL_MAX_VERDICTS 12

struct verify_appraisal {
	size_t count;
	struct verify_verdict verdicts[APPRAISAL_MAX_VERDICTS];
	bool ok; /* no verdict failed */
	enum cca_lifecycle lifecycle; /* the platform's state */
	bool debug_platform;          /* not secured, and allowed as a debug platform */
	/* No reference value was compared: none given, or every such verdict skip. */
	bool all_skip;
};

struct appraise_options {
	bool allow_debug; /* accept a platform in a debug or factory lifecycle state */
};

const char *verdict_status_name(enum verdict_status s);

/*
 * Appraises a token that cca_token_verify accepted: the lifecycle first,
 * then each reference-value check. ref NULL: the lifecycle only. ev and opts
 * may be NULL (no member lists; no debug platform allowed).
 */
void verify_appraise(const struct cca_token *tok, const struct verify_refvals *ref,
		     const struct csm_evidence *ev, const struct appraise_options *opts,
		     struct verify_appraisal *out);

#endif
