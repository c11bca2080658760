/* Appraisal of a verified token against reference values: one verdict per check. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/caec.h"
#include "verify/appraise.h"

const char *verdict_status_name(enum verdict_status s)
{
	return s == VERDICT_PASS ? "pass" : s == VERDICT_FAIL ? "fail" : "skip";
}

__attribute__((format(printf, 4, 5))) static void add(struct verify_appraisal *a, const char *check,
						      enum verdict_status st, const char *fmt, ...)
{
	if (a->count == APPRAISAL_MAX_VERDICTS)
		return;
	struct verify_verdict *v = &a->verdicts[a->count++];
	va_list ap;
	v->check = check;
	v->status = st;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	if (st == VERDICT_FAIL)
		a->ok = false;
}

/* Short hex for messages: the first 8 bytes and the length. */
static const char *abbrev(const uint8_t *p, size_t n, char buf[40])
{
	size_t shown = n < 8 ? n : 8;
	for (size_t i = 0; i < shown; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	if (n > shown)
		snprintf(buf + 2 * shown, 40 - 2 * shown, "..(%zu B)", n);
	else
		buf[2 * shown] = '\0';
	return buf;
}

static bool ref_eq(const struct ref_value *r, struct cca_bytes b)
{
	return r->len == b.len && memcmp(r->bytes, b.ptr, b.len) == 0;
}

static bool in_list(const struct ref_value_list *l, struct cca_bytes b)
{
	for (size_t i = 0; i < l->count; i++)
		if (ref_eq(&l->values[i], b))
			return true;
	return false;
}

static void appraise_value(struct verify_appraisal *a, const char *check, const char *label,
			   const struct ref_value_list *l, struct cca_bytes value)
{
	char h[40];
	if (!l->present)
		add(a, check, VERDICT_SKIP, "no reference %s given", label);
	else if (in_list(l, value))
		add(a, check, VERDICT_PASS, "%s %s is a reference value", label,
		    abbrev(value.ptr, value.len, h));
	else
		add(a, check, VERDICT_FAIL, "%s %s is not among the %zu reference values", label,
		    abbrev(value.ptr, value.len, h), l->count);
}

static void appraise_rems(struct verify_appraisal *a, const struct verify_refvals *ref,
			  const struct cca_realm_claims *rc)
{
	size_t constrained = 0;
	char h[40];
	for (size_t i = 0; i < CCA_NUM_REMS; i++) {
		if (!ref->rems[i].present)
			continue;
		constrained++;
		if (!in_list(&ref->rems[i], rc->rem[i])) {
			add(a, "rems", VERDICT_FAIL, "REM%zu %s is not among the %zu reference values", i,
			    abbrev(rc->rem[i].ptr, rc->rem[i].len, h), ref->rems[i].count);
			return;
		}
	}
	if (constrained)
		add(a, "rems", VERDICT_PASS, "%zu of 4 REMs match reference values", constrained);
	else
		add(a, "rems", VERDICT_SKIP, "no reference REMs given");
}

static bool text_is(struct cca_text t, const char *s)
{
	return s == NULL || cca_text_eq(t, s);
}

static bool sw_matches(const struct ref_sw_component *r, const struct cca_sw_component *c)
{
	return ref_eq(&r->measurement, c->measurement) &&
	       (!r->has_signer || ref_eq(&r->signer, c->signer_id)) &&
	       (!r->type || (c->has_type && text_is(c->type, r->type))) &&
	       (!r->version || (c->has_version && text_is(c->version, r->version)));
}

static void appraise_sw(struct verify_appraisal *a, const struct verify_refvals *ref,
			const struct cca_platform_claims *pc)
{
	char h[40];
	if (!ref->has_sw_components) {
		add(a, "sw-components", VERDICT_SKIP, "no reference software components given");
		return;
	}
	for (size_t i = 0; i < pc->num_sw_components; i++) {
		const struct cca_sw_component *c = &pc->sw_components[i];
		bool found = false;
		for (size_t r = 0; r < ref->num_sw_components && !found; r++)
			found = sw_matches(&ref->sw_components[r], c);
		if (!found) {
			add(a, "sw-components", VERDICT_FAIL,
			    "component %zu (%.*s) measurement %s matches no reference component", i,
			    c->has_type ? (int)(c->type.len > 32 ? 32 : c->type.len) : 1,
			    c->has_type ? c->type.ptr : "?",
			    abbrev(c->measurement.ptr, c->measurement.len, h));
			return;
		}
	}
	add(a, "sw-components", VERDICT_PASS, "all %zu components match reference values",
	    pc->num_sw_components);
}

static const struct ref_csm_rule *find_rule(const struct verify_refvals *ref, struct cca_bytes owner)
{
	for (size_t i = 0; i < ref->num_csm_rules; i++)
		if (ref_eq(&ref->csm_rules[i].owner_rim, owner))
			return &ref->csm_rules[i];
	return NULL;
}

static bool perms_within(uint64_t perms, const struct ref_csm_identity *id)
{
	return (perms & (CSM_PERM_READ | CSM_PERM_WRITE) & ~id->max_perms) == 0;
}

/* A rule identity naming this realm ID with at least these perms. */
static bool rule_names_realm_id(const struct ref_csm_rule *rule, const uint8_t *realm_id,
				uint64_t perms)
{
	for (size_t i = 0; i < rule->num_members; i++) {
		const struct ref_csm_identity *id = &rule->members[i];
		if (id->kind == CSM_ID_REALM_ID &&
		    memcmp(id->value.bytes, realm_id, CAEC_REALM_ID_SIZE) == 0 && perms_within(perms, id))
			return true;
	}
	return false;
}

/* The realm whose membership is being judged. rpv is NULL when unknown. */
struct csm_candidate {
	const uint8_t *realm_id;
	struct cca_bytes rim;
	const struct cca_bytes *rpv;
	uint64_t perms;
};

/*
 * Whether a realm that is not the region's owner may map it with its perms:
 * a realm-ID rule naming it, a RIM rule naming its RIM, or a RIM + RPV rule
 * naming both (only when its RPV is known: a member list reports none). A
 * realm with the owner's RIM but not its realm ID is a clone of the owner:
 * its RIM says nothing about who runs it, so only a realm-ID rule admits it.
 * false with why.
 */
static bool member_allowed(const struct ref_csm_rule *rule, const struct caec_region *reg,
			   const struct csm_candidate *c, char *why, size_t whylen)
{
	char h[40];
	bool rpv_rule = false;
	abbrev(c->realm_id, CAEC_REALM_ID_SIZE, h);
	if (rule_names_realm_id(rule, c->realm_id, c->perms))
		return true;
	if (cca_bytes_eq(c->rim, reg->owner_rim)) {
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": realm %s has the owner's RIM but not its realm ID: a clone of the owner, which only a realm_id rule admits",
			 reg->csm_id, h);
		return false;
	}
	for (size_t i = 0; i < rule->num_members; i++) {
		const struct ref_csm_identity *id = &rule->members[i];
		if (id->kind == CSM_ID_REALM_ID || !ref_eq(&id->value, c->rim))
			continue;
		if (id->kind == CSM_ID_RIM_RPV && !c->rpv) {
			rpv_rule = true;
			continue;
		}
		if (id->kind == CSM_ID_RIM_RPV && !ref_eq(&id->rpv, *c->rpv))
			continue;
		if (perms_within(c->perms, id))
			return true;
	}
	if (rpv_rule)
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": realm %s: only a rim+rpv rule names its RIM, and a member list reports no RPV (name it by realm_id)",
			 reg->csm_id, h);
	else
		snprintf(why, whylen, "region 0x%" PRIx64 ": realm %s is not allowed with perms %" PRIu64,
			 reg->csm_id, h, c->perms);
	return false;
}

/* The rule's constraints on the region claim: owner realm ID, ACL digest, flags. */
static bool region_meets_rule(const struct ref_csm_rule *rule, const struct caec_region *reg,
			      char *why, size_t whylen)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} flags[] = { { CAEC_REGION_FLAG_SEALED, "sealed" },
		      { CAEC_REGION_FLAG_OWNER_DESTROYED, "owner_destroyed" } };
	const enum ref_flag_rule want[] = { rule->sealed, rule->owner_destroyed };
	char h[40];
	if (rule->has_owner_realm_id &&
	    memcmp(rule->owner_realm_id, reg->owner_realm_id.ptr, CAEC_REALM_ID_SIZE) != 0) {
		snprintf(why, whylen, "region 0x%" PRIx64 ": owner realm ID %s is not the rule's owner_realm_id",
			 reg->csm_id, abbrev(reg->owner_realm_id.ptr, reg->owner_realm_id.len, h));
		return false;
	}
	if (rule->has_acl_digest && !ref_eq(&rule->acl_digest, reg->acl_digest)) {
		snprintf(why, whylen, "region 0x%" PRIx64 ": ACL digest %s is not the rule's acl_digest",
			 reg->csm_id, abbrev(reg->acl_digest.ptr, reg->acl_digest.len, h));
		return false;
	}
	for (size_t i = 0; i < 2; i++) {
		bool set = (reg->flags & flags[i].bit) != 0;
		if (want[i] == REF_FLAG_ANY || set == (want[i] == REF_FLAG_SET))
			continue;
		snprintf(why, whylen, "region 0x%" PRIx64 ": the rule requires \"%s\": %s, but its flags are 0x%" PRIx64,
			 reg->csm_id, flags[i].name, want[i] == REF_FLAG_SET ? "true" : "false", reg->flags);
		return false;
	}
	return true;
}

/*
 * This realm's own place in a region: as the owner it must have the owner's
 * RIM and realm ID (key 7); as a member it must not be the owner (by realm
 * ID) and must be allowed by the rule. false with why.
 */
static bool self_allowed(const struct ref_csm_rule *rule, const struct caec_region *reg,
			 const struct cca_realm_claims *rc, char *why, size_t whylen)
{
	if (!rc->has_realm_id) {
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": the token has no realm ID (claim 65001), so the owner cannot be told from a clone",
			 reg->csm_id);
		return false;
	}
	bool is_owner = cca_bytes_eq(rc->realm_id, reg->owner_realm_id);
	if (reg->role == 0 && (!is_owner || !cca_bytes_eq(reg->owner_rim, rc->rim))) {
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": the realm claims to own it but its %s is not the owner's",
			 reg->csm_id, is_owner ? "RIM" : "realm ID");
		return false;
	}
	if (reg->role == 0)
		return true;
	if (is_owner) {
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": the realm has the owner's realm ID but claims the member role",
			 reg->csm_id);
		return false;
	}
	struct csm_candidate c = { rc->realm_id.ptr, rc->rim, &rc->rpv, reg->perms };
	return member_allowed(rule, reg, &c, why, whylen);
}

static void appraise_csm_regions(struct verify_appraisal *a, const struct verify_refvals *ref,
				 const struct cca_realm_claims *rc)
{
	char h[40], why[REF_WHY_MAX];
	if (!ref->has_csm) {
		add(a, "csm-regions", VERDICT_SKIP, "no csm rules given (%zu regions in the token)",
		    rc->num_regions);
		return;
	}
	for (size_t i = 0; i < rc->num_regions; i++) {
		const struct caec_region *reg = &rc->regions[i];
		const struct ref_csm_rule *rule = find_rule(ref, reg->owner_rim);
		if (!rule) {
			add(a, "csm-regions", VERDICT_FAIL,
			    "region 0x%" PRIx64 ": no rule for owner RIM %s", reg->csm_id,
			    abbrev(reg->owner_rim.ptr, reg->owner_rim.len, h));
			return;
		}
		if (!region_meets_rule(rule, reg, why, sizeof(why)) ||
		    !self_allowed(rule, reg, rc, why, sizeof(why))) {
			add(a, "csm-regions", VERDICT_FAIL, "%s", why);
			return;
		}
	}
	add(a, "csm-regions", VERDICT_PASS, "%zu regions, each allowed by a rule", rc->num_regions);
}

static const struct csm_member_list *find_evidence(const struct csm_evidence *ev, uint64_t csm_id)
{
	for (size_t i = 0; i < ev->num_regions; i++)
		if (ev->regions[i].csm_id == csm_id)
			return &ev->regions[i];
	return NULL;
}

/* The report's fields that the claim also carries must agree with it. */
static bool report_matches_claim(const struct caec_region *reg, const struct csm_member_list *l,
				 char *why, size_t whylen)
{
	const char *field = NULL;
	if (l->has_generation && l->generation != reg->generation)
		field = "generation";
	else if (l->has_flags && l->flags != reg->flags)
		field = "flags";
	else if (l->has_owner && (memcmp(l->owner_realm_id, reg->owner_realm_id.ptr, 32) != 0 ||
				  !ref_eq(&l->owner_rim, reg->owner_rim)))
		field = "owner";
	if (field)
		snprintf(why, whylen, "region 0x%" PRIx64 ": the report's %s is not the token's", reg->csm_id,
			 field);
	return field == NULL;
}

/* Checks one region's member list against its digest and rule; false with why. */
static bool check_members(const struct caec_region *reg, const struct csm_member_list *given,
			  const struct ref_csm_rule *rule, const struct cca_realm_claims *rc,
			  char *why, size_t whylen)
{
	enum cca_hash_alg alg = rc->hash_alg;
	struct csm_member_list list = { .csm_id = given->csm_id, .num_members = given->num_members };
	uint8_t digest[64];
	char h[40];
	bool ok = false;
	if (!report_matches_claim(reg, given, why, whylen))
		return false;
	list.members = malloc((given->num_members + 1) * sizeof(*list.members));
	if (!list.members) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	memcpy(list.members, given->members, given->num_members * sizeof(*list.members));
	size_t n = caec_membership_digest(alg, &list, digest);
	if (n == 0 || n != reg->membership_digest.len ||
	    memcmp(digest, reg->membership_digest.ptr, n) != 0) {
		snprintf(why, whylen, "region 0x%" PRIx64 ": the member list does not match the token's membership digest",
			 reg->csm_id);
		goto out;
	}
	for (size_t m = 0; m < list.num_members; m++) {
		const struct csm_member *mb = &list.members[m];
		struct cca_bytes rim = { mb->rim.bytes, mb->rim.len };
		/* The owner is the realm with the owner's realm ID, never "any realm with its RIM". */
		if (memcmp(mb->realm_id, reg->owner_realm_id.ptr, CAEC_REALM_ID_SIZE) == 0) {
			if (cca_bytes_eq(rim, reg->owner_rim))
				continue;
			snprintf(why, whylen, "region 0x%" PRIx64 ": member %s has the owner's realm ID but another RIM",
				 reg->csm_id, abbrev(mb->realm_id, 32, h));
			goto out;
		}
		/* The token's own realm is in the list too: its RPV is known. */
		bool self = rc->has_realm_id && memcmp(mb->realm_id, rc->realm_id.ptr, CAEC_REALM_ID_SIZE) == 0;
		struct csm_candidate c = { mb->realm_id, rim, self ? &rc->rpv : NULL, mb->perms };
		if (!member_allowed(rule, reg, &c, why, whylen))
			goto out;
	}
	ok = true;
out:
	free(list.members);
	return ok;
}

static void appraise_csm_members(struct verify_appraisal *a, const struct verify_refvals *ref,
				 const struct csm_evidence *ev, const struct cca_realm_claims *rc)
{
	char why[REF_WHY_MAX];
	if (!ref->has_csm || rc->num_regions == 0) {
		add(a, "csm-members", VERDICT_SKIP, "%s",
		    ref->has_csm ? "the realm shares no memory" : "no csm rules given");
		return;
	}
	if (!ev) {
		add(a, "csm-members", VERDICT_SKIP,
		    "co-members not checked: no member lists given (the token holds only their digests)");
		return;
	}
	for (size_t i = 0; i < rc->num_regions; i++) {
		const struct caec_region *reg = &rc->regions[i];
		const struct csm_member_list *given = find_evidence(ev, reg->csm_id);
		const struct ref_csm_rule *rule = find_rule(ref, reg->owner_rim);
		if (!given) {
			add(a, "csm-members", VERDICT_FAIL, "region 0x%" PRIx64 ": no member list given",
			    reg->csm_id);
			return;
		}
		if (!rule) {
			add(a, "csm-members", VERDICT_FAIL, "region 0x%" PRIx64 ": no rule for its owner",
			    reg->csm_id);
			return;
		}
		if (!check_members(reg, given, rule, rc, why, sizeof(why))) {
			add(a, "csm-members", VERDICT_FAIL, "%s", why);
			return;
		}
	}
	add(a, "csm-members", VERDICT_PASS, "every member of the %zu regions is allowed",
	    rc->num_regions);
}

/* The rule identities that may cover an ACL entry of RIM rim (and RPV rpv, or NULL). */
static bool rule_covers_rim(const struct ref_csm_rule *rule, struct cca_bytes rim,
			    const struct cca_bytes *rpv, uint64_t perms)
{
	for (size_t i = 0; i < rule->num_members; i++) {
		const struct ref_csm_identity *id = &rule->members[i];
		if (id->kind == CSM_ID_REALM_ID || !ref_eq(&id->value, rim) || !perms_within(perms, id))
			continue;
		/* A RIM rule covers any RPV; a RIM + RPV rule only an entry naming that RPV. */
		if (id->kind == CSM_ID_RIM || (rpv && ref_eq(&id->rpv, *rpv)))
			return true;
	}
	return false;
}

/*
 * An ACL entry admits realms that may attach later (until the region is
 * sealed): the rule must allow every realm it can admit. An entry by RIM
 * (with or without RPV) admits any realm so measured, so it is covered only
 * by a rule at least as wide; one naming the owner's RIM admits its clones,
 * which no rule can allow (a clone is admitted only by realm ID).
 */
static bool acl_entry_allowed(const struct ref_csm_rule *rule, const struct caec_region *reg,
			      const struct csm_acl_entry *e, size_t index, enum cca_hash_alg alg,
			      char *why, size_t whylen)
{
	struct cca_bytes rim = { e->value, cca_hash_size(alg) };
	struct cca_bytes rpv = { e->value + 64, CCA_RPV_SIZE };
	char h[40];
	if (e->kind == CSM_IDENTITY_REALM_ID) {
		if (memcmp(e->value, reg->owner_realm_id.ptr, CAEC_REALM_ID_SIZE) == 0 ||
		    rule_names_realm_id(rule, e->value, e->perms))
			return true;
		snprintf(why, whylen, "region 0x%" PRIx64 ": ACL entry %zu admits realm %s with perms %" PRIu64 ", which no rule allows",
			 reg->csm_id, index, abbrev(e->value, CAEC_REALM_ID_SIZE, h),
			 e->perms & (CSM_PERM_READ | CSM_PERM_WRITE));
		return false;
	}
	if (cca_bytes_eq(rim, reg->owner_rim)) {
		snprintf(why, whylen,
			 "region 0x%" PRIx64 ": ACL entry %zu admits any realm with the owner's RIM: clones of the owner",
			 reg->csm_id, index);
		return false;
	}
	if (rule_covers_rim(rule, rim, e->kind == CSM_IDENTITY_RIM_RPV ? &rpv : NULL, e->perms))
		return true;
	snprintf(why, whylen, "region 0x%" PRIx64 ": ACL entry %zu admits any realm with RIM %s%s (perms %" PRIu64 "), which no rule allows",
		 reg->csm_id, index, abbrev(rim.ptr, rim.len, h),
		 e->kind == CSM_IDENTITY_RIM_RPV ? " and its RPV" : "",
		 e->perms & (CSM_PERM_READ | CSM_PERM_WRITE));
	return false;
}

static bool check_acl(const struct caec_region *reg, const struct csm_member_list *given,
		      const struct ref_csm_rule *rule, enum cca_hash_alg alg, char *why,
		      size_t whylen)
{
	uint8_t digest[64];
	char dwhy[REF_WHY_MAX];
	size_t n = caec_acl_digest(alg, given->acl, given->num_acl, digest, dwhy);
	if (n == 0) {
		snprintf(why, whylen, "region 0x%" PRIx64 ": %.200s", reg->csm_id, dwhy);
		return false;
	}
	if (n != reg->acl_digest.len || memcmp(digest, reg->acl_digest.ptr, n) != 0) {
		snprintf(why, whylen, "region 0x%" PRIx64 ": the ACL does not match the token's ACL digest",
			 reg->csm_id);
		return false;
	}
	for (size_t i = 0; i < given->num_acl; i++)
		if (!acl_entry_allowed(rule, reg, &given->acl[i], i, alg, why, whylen))
			return false;
	return true;
}

static void appraise_csm_acl(struct verify_appraisal *a, const struct verify_refvals *ref,
			     const struct csm_evidence *ev, const struct cca_realm_claims *rc)
{
	char why[REF_WHY_MAX];
	bool any_acl = false;
	for (size_t i = 0; ev && i < ev->num_regions; i++)
		any_acl |= ev->regions[i].has_acl;
	if (!ref->has_csm || rc->num_regions == 0 || !any_acl) {
		add(a, "csm-acl", VERDICT_SKIP, "%s",
		    !ref->has_csm	    ? "no csm rules given"
		    : rc->num_regions == 0 ? "the realm shares no memory"
					   : "ACLs not checked: no member list gives \"acl\" (the token holds only their digests)");
		return;
	}
	for (size_t i = 0; i < rc->num_regions; i++) {
		const struct caec_region *reg = &rc->regions[i];
		const struct csm_member_list *given = find_evidence(ev, reg->csm_id);
		const struct ref_csm_rule *rule = find_rule(ref, reg->owner_rim);
		if (!given || !given->has_acl || !rule) {
			add(a, "csm-acl", VERDICT_FAIL, "region 0x%" PRIx64 ": %s", reg->csm_id,
			    !rule ? "no rule for its owner" : "no ACL given");
			return;
		}
		if (!check_acl(reg, given, rule, rc->hash_alg, why, sizeof(why))) {
			add(a, "csm-acl", VERDICT_FAIL, "%s", why);
			return;
		}
	}
	add(a, "csm-acl", VERDICT_PASS, "every ACL entry of the %zu regions is allowed",
	    rc->num_regions);
}

static void appraise_lifecycle(struct verify_appraisal *a, const struct cca_platform_claims *pc,
			       bool allow_debug)
{
	enum cca_lifecycle st = cca_lifecycle_state(pc->lifecycle);
	const char *name = cca_lifecycle_name(st);
	unsigned value = (unsigned)pc->lifecycle;

	a->lifecycle = st;
	if (st == CCA_LIFECYCLE_SECURED) {
		add(a, "lifecycle", VERDICT_PASS, "platform lifecycle %s (0x%04x)", name, value);
	} else if (cca_lifecycle_is_debug(st) && allow_debug) {
		a->debug_platform = true;
		add(a, "lifecycle", VERDICT_PASS,
		    "platform lifecycle %s (0x%04x): a DEBUG platform, not secured; accepted as debug platforms are allowed",
		    name, value);
	} else if (cca_lifecycle_is_debug(st)) {
		add(a, "lifecycle", VERDICT_FAIL,
		    "platform lifecycle %s (0x%04x) is not secured: a debug platform may expose its realms (--allow-debug accepts it)",
		    name, value);
	} else {
		add(a, "lifecycle", VERDICT_FAIL,
		    "platform lifecycle %s (0x%04x) is not secured, and no relying party should accept it",
		    name, value);
	}
}

void verify_appraise(const struct cca_token *tok, const struct verify_refvals *ref,
		     const struct csm_evidence *ev, const struct appraise_options *opts,
		     struct verify_appraisal *out)
{
	const struct cca_realm_claims *rc = &tok->realm_claims;
	const struct cca_platform_claims *pc = &tok->platform_claims;
	memset(out, 0, sizeof(*out));
	out->ok = true;
	out->all_skip = true;
	appraise_lifecycle(out, pc, opts && opts->allow_debug);
	if (!ref)
		return;
	size_t first = out->count;
	appraise_value(out, "implementation-id", "implementation ID", &ref->implementation_ids,
		       pc->implementation_id);
	appraise_sw(out, ref, pc);
	appraise_value(out, "rim", "RIM", &ref->rims, rc->rim);
	appraise_value(out, "rpv", "RPV", &ref->rpvs, rc->rpv);
	appraise_rems(out, ref, rc);
	appraise_csm_regions(out, ref, rc);
	appraise_csm_members(out, ref, ev, rc);
	appraise_csm_acl(out, ref, ev, rc);
	for (size_t i = first; i < out->count; i++)
		if (out->verdicts[i].status != VERDICT_SKIP)
			out->all_skip = false;
}
