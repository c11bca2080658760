/*
 * CSM membership evidence (the region reports RSI_CSM_INFO writes: member
 * lists and ACLs) and the membership and ACL digests that claim 65002
 * carries for each region (byte for byte in verify/README.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "abi/caec.h"
#include "refvals_json.h"
#include "verify/cbor.h"
#include "verify/hex.h"
#include "verify/names.h"
#include "verify/token.h"

#define MEMBERS_MAX 256
/* An encoded ACL entry: array, kind, bstr head + RIM (64) + RPV (64), perms. */
#define ACL_ENTRY_MAX (1 + 9 + 2 + 128 + 9)
#define ACL_MAX     256
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_members[] = { "regions" };
static const char *const region_members[] = {
	"csm_id", "members", "acl", "generation", "flags", "owner", "num_granules", "version",
};
static const char *const member_members[] = { "realm_id", "rim", "perms", "state",
					      "policy_digest" };
static const char *const acl_members[] = { "kind", "value", "perms" };
static const char *const owner_members[] = { "realm_id", "rim" };

static int member_cmp(const void *a, const void *b)
{
	const struct csm_member *x = a, *y = b;
	return memcmp(x->realm_id, y->realm_id, sizeof(x->realm_id));
}

size_t caec_membership_digest(enum cca_hash_alg alg, struct csm_member_list *list, uint8_t out[64])
{
	/* Worst case per member: 2+33 (realm ID) + 2+64 (RIM) + 9 (perms) + 1 (array). */
	static const size_t per_member = 112;
	if (list->num_members > MEMBERS_MAX)
		return 0;
	size_t cap = 9 + per_member * list->num_members;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return 0;
	qsort(list->members, list->num_members, sizeof(list->members[0]), member_cmp);
	struct cbor_writer w;
	size_t len, n = 0;
	cbor_writer_init(&w, buf, cap);
	cbor_put_array(&w, list->num_members);
	for (size_t i = 0; i < list->num_members; i++) {
		const struct csm_member *m = &list->members[i];
		cbor_put_array(&w, 3);
		cbor_put_bstr(&w, m->realm_id, sizeof(m->realm_id));
		cbor_put_bstr(&w, m->rim.bytes, m->rim.len);
		cbor_put_uint(&w, m->perms);
	}
	if (cbor_writer_finish(&w, &len) == 0)
		n = cca_hash(alg, buf, len, out);
	free(buf);
	return n;
}

/*
 * The entry as it enters the ACL digest: [kind, value cut to the kind, perms].
 * The cut-off bytes must be zero, or the digest would not bind what the
 * monitor may compare. 0 with *len, or -EINVAL with why.
 */
static int acl_entry_encode(enum cca_hash_alg alg, const struct csm_acl_entry *e, uint8_t *buf,
			    size_t cap, size_t *len, char *why)
{
	static const uint8_t zero[CSM_IDENTITY_VALUE_SIZE];
	size_t hs = cca_hash_size(alg);
	uint8_t value[CSM_IDENTITY_VALUE_SIZE];
	size_t n;

	switch (e->kind) {
	case CSM_IDENTITY_RIM:
		memcpy(value, e->value, hs);
		n = hs;
		break;
	case CSM_IDENTITY_REALM_ID:
		memcpy(value, e->value, CAEC_REALM_ID_SIZE);
		n = CAEC_REALM_ID_SIZE;
		break;
	case CSM_IDENTITY_RIM_RPV:
		/* The RIM at value[0..64) (hash size used), the RPV at value[64..128). */
		memcpy(value, e->value, hs);
		memcpy(value + hs, e->value + 64, CCA_RPV_SIZE);
		n = hs + CCA_RPV_SIZE;
		if (memcmp(e->value + hs, zero, 64 - hs) != 0)
			return ref_fail(why, -EINVAL, "ACL entry of kind 3: value[%zu..64) after the %s RIM is not zero",
					hs, cca_hash_name(alg));
		break;
	default:
		return ref_fail(why, -EINVAL, "ACL entry of kind %" PRIu64 ": kinds are 1, 2 and 3",
				e->kind);
	}
	if (e->kind != CSM_IDENTITY_RIM_RPV &&
	    memcmp(e->value + n, zero, CSM_IDENTITY_VALUE_SIZE - n) != 0)
		return ref_fail(why, -EINVAL, "ACL entry of kind %" PRIu64 ": value[%zu..128) is not zero",
				e->kind, n);
	if (e->perms & ~CSM_PERM_VALID)
		return ref_fail(why, -EINVAL, "ACL entry perms 0x%" PRIx64 ": only bits 0, 1 and 8..15 are defined",
				e->perms);
	struct cbor_writer w;
	cbor_writer_init(&w, buf, cap);
	cbor_put_array(&w, 3);
	cbor_put_uint(&w, e->kind);
	cbor_put_bstr(&w, value, n);
	cbor_put_uint(&w, e->perms);
	if (cbor_writer_finish(&w, len) != 0)
		return ref_fail(why, -EINVAL, "ACL entry: encoding too long");
	return 0;
}

/* One encoded ACL entry, for sorting. */
struct acl_encoded {
	uint8_t bytes[ACL_ENTRY_MAX];
	size_t len;
};

/* Bytewise lexicographic order; a prefix sorts first. */
static int acl_encoded_cmp(const void *a, const void *b)
{
	const struct acl_encoded *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->bytes, y->bytes, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

size_t caec_acl_digest(enum cca_hash_alg alg, const struct csm_acl_entry *acl, size_t n,
		       uint8_t out[64], char why[REF_WHY_MAX])
{
	if (n > ACL_MAX) {
		ref_fail(why, -EINVAL, "%zu ACL entries, more than %d", n, ACL_MAX);
		return 0;
	}
	struct acl_encoded *enc = calloc(n + 1, sizeof(*enc));
	uint8_t *buf = malloc(9 + n * ACL_ENTRY_MAX);
	size_t len, digest = 0;
	if (!enc || !buf) {
		ref_fail(why, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (acl_entry_encode(alg, &acl[i], enc[i].bytes, sizeof(enc[i].bytes), &enc[i].len,
				     why) != 0)
			goto out;
	qsort(enc, n, sizeof(*enc), acl_encoded_cmp);
	struct cbor_writer w;
	cbor_writer_init(&w, buf, 9 + n * ACL_ENTRY_MAX);
	cbor_put_array(&w, n);
	for (size_t i = 0; i < n; i++)
		cbor_put_raw(&w, enc[i].bytes, enc[i].len);
	if (cbor_writer_finish(&w, &len) == 0)
		digest = cca_hash(alg, buf, len, out);
	if (digest == 0)
		ref_fail(why, -EINVAL, "ACL digest: cannot hash");
out:
	free(enc);
	free(buf);
	return digest;
}

/* An unsigned 64-bit value: a JSON integer or "0x..." (or decimal) text. */
static int parse_u64(json_t *j, const char *what, uint64_t *out, char *why)
{
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*out = (uint64_t)json_integer_value(j);
		return 0;
	}
	/* 64-bit IDs do not fit JSON integers everywhere: also "0x..." text. */
	const char *s = json_string_value(j);
	char *end;
	if (s && *s && s[0] != '-') {
		errno = 0;
		*out = strtoull(s, &end, 0);
		if (errno == 0 && *end == '\0')
			return 0;
	}
	return ref_fail(why, -EINVAL, "%s: an unsigned integer or \"0x...\" text", what);
}

static int parse_csm_id(json_t *j, uint64_t *out, char *why)
{
	return parse_u64(j, "csm_id", out, why);
}

/*
 * "attaching", "mapped" or "detaching", or the report's number for them:
 * 1, 2, 3 in the specification's order (the monitor's CSM_MEMBER_*).
 */
static int parse_state(json_t *j, const char *what, enum csm_member_state *out, char *why)
{
	static const char *const names[] = { "attaching", "mapped", "detaching" };
	const char *s = json_string_value(j);
	if (json_is_integer(j) && json_integer_value(j) >= CSM_MEMBER_ATTACHING &&
	    json_integer_value(j) <= CSM_MEMBER_DETACHING) {
		*out = (enum csm_member_state)json_integer_value(j);
		return 0;
	}
	for (size_t i = 0; s && i < N(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum csm_member_state)(CSM_MEMBER_ATTACHING + i);
			return 0;
		}
	const char *near = s ? closest_name(s, names, N(names)) : NULL;
	if (near)
		return ref_fail(why, -EINVAL, "%s: state '%.20s' (did you mean '%s'?)", what, s, near);
	return ref_fail(why, -EINVAL, "%s: state must be \"attaching\", \"mapped\" or \"detaching\" (1, 2, 3)",
			what);
}

static int parse_member(json_t *m, const char *what, struct csm_member *out, char *why)
{
	struct ref_value rid;
	if (!json_is_object(m))
		return ref_fail(why, -EINVAL, "%s: expected an object", what);
	if (ref_check_members(m, what, member_members, N(member_members), why) != 0)
		return -EINVAL;
	if (ref_hex_value(json_object_get(m, "realm_id"), what, &rid, why) != 0)
		return -EINVAL;
	if (rid.len != CAEC_REALM_ID_SIZE)
		return ref_fail(why, -EINVAL, "%s: realm_id must be 32 bytes", what);
	memcpy(out->realm_id, rid.bytes, sizeof(out->realm_id));
	if (ref_hex_value(json_object_get(m, "rim"), what, &out->rim, why) != 0)
		return -EINVAL;
	if (ref_perms(json_object_get(m, "perms"), what, &out->perms, why) != 0)
		return -EINVAL;
	json_t *state = json_object_get(m, "state"), *policy = json_object_get(m, "policy_digest");
	if (state && parse_state(state, what, &out->state, why) != 0)
		return -EINVAL;
	if (policy && !json_is_null(policy)) {
		char pwhat[80];
		snprintf(pwhat, sizeof(pwhat), "%.60s.policy_digest", what);
		if (ref_hex_value(policy, pwhat, &out->policy_digest, why) != 0)
			return -EINVAL;
		out->has_policy_digest = true;
	}
	return 0;
}

/* 1/2/3 or "rim"/"realm_id"/"rim_rpv". */
static int parse_acl_kind(json_t *j, const char *what, uint64_t *out, char *why)
{
	static const char *const names[] = { "rim", "realm_id", "rim_rpv" };
	const char *s = json_string_value(j);
	if (json_is_integer(j) && json_integer_value(j) >= CSM_IDENTITY_RIM &&
	    json_integer_value(j) <= CSM_IDENTITY_RIM_RPV) {
		*out = (uint64_t)json_integer_value(j);
		return 0;
	}
	for (size_t i = 0; s && i < N(names); i++)
		if (!strcmp(s, names[i])) {
			*out = CSM_IDENTITY_RIM + i;
			return 0;
		}
	return ref_fail(why, -EINVAL, "%s: kind must be 1 (\"rim\"), 2 (\"realm_id\") or 3 (\"rim_rpv\")",
			what);
}

/* An ACL entry's perms: "r", "w", "rw", or the report's value with the admit count. */
static int parse_acl_perms(json_t *j, const char *what, uint64_t *out, char *why)
{
	const char *s = json_string_value(j);
	if (s && (!strcmp(s, "r") || !strcmp(s, "w") || !strcmp(s, "rw")))
		return ref_perms(j, what, out, why);
	char pwhat[80];
	snprintf(pwhat, sizeof(pwhat), "%.60s.perms", what);
	if (parse_u64(j, pwhat, out, why) != 0)
		return ref_fail(why, -EINVAL, "%s: perms must be \"r\", \"w\", \"rw\" or the reported value (bits 0, 1, admit count in 8..15)",
				what);
	if (*out & ~CSM_PERM_VALID)
		return ref_fail(why, -EINVAL, "%s: perms 0x%" PRIx64 " has bits outside 0, 1 and 8..15", what,
				*out);
	return 0;
}

static int parse_acl_entry(json_t *e, const char *what, struct csm_acl_entry *out, char *why)
{
	if (!json_is_object(e))
		return ref_fail(why, -EINVAL, "%s: expected an object", what);
	if (ref_check_members(e, what, acl_members, N(acl_members), why) != 0)
		return -EINVAL;
	if (parse_acl_kind(json_object_get(e, "kind"), what, &out->kind, why) != 0)
		return -EINVAL;
	/* The identity record's value, 1..128 bytes, zero padded to 128. */
	const char *hex = json_string_value(json_object_get(e, "value"));
	size_t len;
	if (!hex || hex_decode(hex, out->value, sizeof(out->value), &len) != 0 || len == 0)
		return ref_fail(why, -EINVAL, "%s: value must be 1..128 bytes of hex (the identity record's value)",
				what);
	memset(out->value + len, 0, sizeof(out->value) - len);
	return parse_acl_perms(json_object_get(e, "perms"), what, &out->perms, why);
}

static int parse_acl(json_t *acl, const char *where, struct csm_member_list *list, char *why)
{
	if (!json_is_array(acl) || json_array_size(acl) > ACL_MAX)
		return ref_fail(why, -EINVAL, "%s.acl: an array of at most %d entries", where, ACL_MAX);
	list->acl = calloc(json_array_size(acl) + 1, sizeof(*list->acl));
	if (!list->acl)
		return ref_fail(why, -ENOMEM, "out of memory");
	list->has_acl = true;
	for (size_t i = 0; i < json_array_size(acl); i++) {
		char what[80];
		snprintf(what, sizeof(what), "%.40s.acl[%zu]", where, i);
		if (parse_acl_entry(json_array_get(acl, i), what, &list->acl[i], why) != 0)
			return -EINVAL;
		list->num_acl = i + 1;
	}
	return 0;
}

static int parse_owner(json_t *o, const char *where, struct csm_member_list *list, char *why)
{
	char what[64];
	struct ref_value rid;
	snprintf(what, sizeof(what), "%.40s.owner", where);
	if (!json_is_object(o))
		return ref_fail(why, -EINVAL, "%s: expected {\"realm_id\": ..., \"rim\": ...}", what);
	if (ref_check_members(o, what, owner_members, N(owner_members), why) != 0 ||
	    ref_hex_value(json_object_get(o, "realm_id"), what, &rid, why) != 0 ||
	    ref_hex_value(json_object_get(o, "rim"), what, &list->owner_rim, why) != 0)
		return -EINVAL;
	if (rid.len != CAEC_REALM_ID_SIZE)
		return ref_fail(why, -EINVAL, "%s: realm_id must be 32 bytes", what);
	memcpy(list->owner_realm_id, rid.bytes, sizeof(list->owner_realm_id));
	list->has_owner = true;
	return 0;
}

/* The report's fields beside the member list: each optional. */
static int parse_region_report(json_t *r, const char *where, struct csm_member_list *list,
			       char *why)
{
	json_t *j;
	uint64_t ignored;
	char what[64];
	if ((j = json_object_get(r, "acl")) && parse_acl(j, where, list, why) != 0)
		return -EINVAL;
	if ((j = json_object_get(r, "owner")) && parse_owner(j, where, list, why) != 0)
		return -EINVAL;
	list->has_generation = (j = json_object_get(r, "generation")) != NULL;
	snprintf(what, sizeof(what), "%.40s.generation", where);
	if (j && parse_u64(j, what, &list->generation, why) != 0)
		return -EINVAL;
	list->has_flags = (j = json_object_get(r, "flags")) != NULL;
	snprintf(what, sizeof(what), "%.40s.flags", where);
	if (j && parse_u64(j, what, &list->flags, why) != 0)
		return -EINVAL;
	/* Reported, not attested: type-checked only. */
	snprintf(what, sizeof(what), "%.40s.num_granules", where);
	if ((j = json_object_get(r, "num_granules")) && parse_u64(j, what, &ignored, why) != 0)
		return -EINVAL;
	snprintf(what, sizeof(what), "%.40s.version", where);
	if ((j = json_object_get(r, "version")) && parse_u64(j, what, &ignored, why) != 0)
		return -EINVAL;
	return 0;
}

/* Realm IDs are unique (one mapping per realm and region): a list repeating one is not a report. */
static int check_unique_members(const struct csm_member_list *list, const char *where, char *why)
{
	for (size_t i = 0; i < list->num_members; i++)
		for (size_t j = i + 1; j < list->num_members; j++)
			if (!memcmp(list->members[i].realm_id, list->members[j].realm_id,
				    CAEC_REALM_ID_SIZE))
				return ref_fail(why, -EINVAL, "%s.members[%zu] and [%zu] have the same realm ID",
						where, i, j);
	return 0;
}

int csm_evidence_parse(const char *json, size_t len, struct csm_evidence **out,
		       char why[REF_WHY_MAX])
{
	*out = NULL;
	json_t *root = ref_parse_json(json, len, "members", why);
	if (!root)
		return -EINVAL;
	json_t *regions = json_object_get(root, "regions");
	struct csm_evidence *ev = NULL;
	int rc = -EINVAL;
	if (json_is_object(root) &&
	    ref_check_members(root, "members", top_members, N(top_members), why) != 0)
		goto out;
	if (!json_is_array(regions) || json_array_size(regions) > CAEC_MAX_REGIONS) {
		ref_fail(why, rc, "members: expected {\"regions\": [...]} with at most %d regions",
			 CAEC_MAX_REGIONS);
		goto out;
	}
	ev = calloc(1, sizeof(*ev));
	if (ev)
		ev->regions = calloc(json_array_size(regions) + 1, sizeof(*ev->regions));
	if (!ev || !ev->regions) {
		rc = ref_fail(why, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(regions); i++) {
		json_t *r = json_array_get(regions, i), *members = json_object_get(r, "members");
		struct csm_member_list *list = &ev->regions[i];
		ev->num_regions = i + 1;
		char where[32];
		snprintf(where, sizeof(where), "regions[%zu]", i);
		if (json_is_object(r) &&
		    ref_check_members(r, where, region_members, N(region_members), why) != 0)
			goto out;
		if (parse_csm_id(json_object_get(r, "csm_id"), &list->csm_id, why) != 0)
			goto out;
		if (!json_is_array(members) || json_array_size(members) > MEMBERS_MAX) {
			ref_fail(why, rc, "regions[%zu].members: an array of at most %d", i, MEMBERS_MAX);
			goto out;
		}
		list->members = calloc(json_array_size(members) + 1, sizeof(*list->members));
		if (!list->members) {
			rc = ref_fail(why, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t m = 0; m < json_array_size(members); m++) {
			char what[64];
			snprintf(what, sizeof(what), "regions[%zu].members[%zu]", i, m);
			if (parse_member(json_array_get(members, m), what, &list->members[m], why) != 0)
				goto out;
			list->num_members = m + 1;
		}
		if (check_unique_members(list, where, why) != 0 ||
		    parse_region_report(r, where, list, why) != 0)
			goto out;
	}
	*out = ev;
	ev = NULL;
	rc = 0;
out:
	csm_evidence_free(ev);
	json_decref(root);
	return rc;
}

int csm_evidence_load(const char *path, struct csm_evidence **out, char why[REF_WHY_MAX])
{
	size_t len;
	*out = NULL;
	char *text = ref_read_file(path, &len, why);
	if (!text)
		return -EINVAL;
	int rc = csm_evidence_parse(text, len, out, why);
	free(text);
	return rc;
}

void csm_evidence_free(struct csm_evidence *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->num_regions; i++) {
		free(ev->regions[i].members);
		free(ev->regions[i].acl);
	}
	free(ev->regions);
	free(ev);
}
