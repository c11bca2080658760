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

/* Whether a realm (by RIM and, when known, realm ID) may map the region with perms. */
static bool rule_allows(const struct ref_csm_rule *rule, const uint8_t *realm_id,
			struct cca_bytes rim, uint64_t perms)
{
	for (size_t i = 0; i < rule->num_members; i++) {
		const struct ref_csm_identity *id = &rule->members[i];
		bool who = id->kind == CSM_ID_RIM
				   ? ref_eq(&id->value, rim)
				   : realm_id && memcmp(id->value.bytes, realm_id, CAEC_REALM_ID_SIZE) == 0;
		if (who && (perms & ~id->max_perms) == 0)
			return true;
	}
	return false;
}

static void appraise_csm_regions(struct verify_appraisal *a, const struct verify_refvals *ref,
				 const struct cca_realm_claims *rc)
{
	char h[40];
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
		if (reg->role == 0 && !cca_bytes_eq(reg->owner_rim, rc->rim)) {
			add(a, "csm-regions", VERDICT_FAIL,
			    "region 0x%" PRIx64 ": the realm claims to own it but its RIM is not the owner RIM",
			    reg->csm_id);
			return;
		}
		if (reg->role == 1 &&
		    !rule_allows(rule, rc->has_realm_id ? rc->realm_id.ptr : NULL, rc->rim, reg->perms)) {
			add(a, "csm-regions", VERDICT_FAIL,
			    "region 0x%" PRIx64 ": this realm may not be a member with perms %" PRIu64,
			    reg->csm_id, reg->perms);
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

/* Checks one region's member list against its digest and rule; NULL reason = fine. */
static bool check_members(const struct caec_region *reg, const struct csm_member_list *given,
			  const struct ref_csm_rule *rule, enum cca_hash_alg alg, char *why,
			  size_t whylen)
{
	struct csm_member_list list = { given->csm_id, given->num_members, NULL };
	uint8_t digest[64];
	char h[40];
	bool ok = false;
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
		if (ref_eq(&rule->owner_rim, rim))
			continue; /* the owner itself */
		if (!rule_allows(rule, mb->realm_id, rim, mb->perms)) {
			snprintf(why, whylen, "region 0x%" PRIx64 ": member %s (realm ID) is not allowed with perms %" PRIu64,
				 reg->csm_id, abbrev(mb->realm_id, 32, h), mb->perms);
			goto out;
		}
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
		if (!check_members(reg, given, rule, rc->hash_alg, why, sizeof(why))) {
			add(a, "csm-members", VERDICT_FAIL, "%s", why);
			return;
		}
	}
	add(a, "csm-members", VERDICT_PASS, "every member of the %zu regions is allowed",
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
	for (size_t i = first; i < out->count; i++)
		if (out->verdicts[i].status != VERDICT_SKIP)
			out->all_skip = false;
}
