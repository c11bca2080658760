/*
 * CSM membership evidence (the member lists RSI_CSM_INFO reports) and the
 * membership digest that claim 65002 carries for each region.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "abi/caec.h"
#include "refvals_json.h"
#include "verify/cbor.h"
#include "verify/hex.h"

#define MEMBERS_MAX 256
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_members[] = { "regions" };
static const char *const region_members[] = { "csm_id", "members" };
static const char *const member_members[] = { "realm_id", "rim", "perms" };

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

static int parse_csm_id(json_t *j, uint64_t *out, char *why)
{
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*out = (uint64_t)json_integer_value(j);
		return 0;
	}
	/* 64-bit IDs do not fit JSON integers everywhere: also "0x..." text. */
	const char *s = json_string_value(j);
	char *end;
	if (s && *s) {
		errno = 0;
		*out = strtoull(s, &end, 0);
		if (errno == 0 && *end == '\0' && s[0] != '-')
			return 0;
	}
	return ref_fail(why, -EINVAL, "csm_id: an unsigned integer or \"0x...\" text");
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
	return ref_perms(json_object_get(m, "perms"), what, &out->perms, why);
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
	for (size_t i = 0; i < ev->num_regions; i++)
		free(ev->regions[i].members);
	free(ev->regions);
	free(ev);
}
