/* Reference values from JSON (format: verify/README.md). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi/caec.h"
#include "refvals_json.h"
#include "verify/appraise.h"
#include "verify/hex.h"
#include "verify/names.h"
#include "verify/pubkey.h"

#define REF_FILE_MAX (4 * 1024 * 1024)
#define REF_LIST_MAX 4096
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_members[] = {
	"platform_keys", "implementation_ids", "rims", "rpvs", "rems", "sw_components", "csm",
};
static const char *const sw_members[] = { "type", "measurement", "signer", "version" };
static const char *const rule_members[] = { "owner_rim", "members", "owner_realm_id",
					    "acl_digest", "sealed", "owner_destroyed" };
static const char *const identity_members[] = { "rim", "rpv", "realm_id", "perms" };

int ref_fail(char *why, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, REF_WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

int ref_hex_value(json_t *j, const char *what, struct ref_value *out, char *why)
{
	const char *s = json_string_value(j);
	if (!s)
		return ref_fail(why, -EINVAL, "%s: expected a hex string", what);
	if (hex_decode(s, out->bytes, sizeof(out->bytes), &out->len) != 0 || out->len == 0)
		return ref_fail(why, -EINVAL, "%s: \"%.40s\" is not 1..64 bytes of hex", what, s);
	return 0;
}

int ref_perms(json_t *j, const char *what, uint64_t *out, char *why)
{
	if (json_is_integer(j) && json_integer_value(j) >= 0 && json_integer_value(j) <= 3) {
		*out = (uint64_t)json_integer_value(j);
		return 0;
	}
	const char *s = json_string_value(j);
	if (s && (!strcmp(s, "r") || !strcmp(s, "w") || !strcmp(s, "rw"))) {
		*out = (strchr(s, 'r') ? CSM_PERM_READ : 0) | (strchr(s, 'w') ? CSM_PERM_WRITE : 0);
		return 0;
	}
	return ref_fail(why, -EINVAL, "%s: perms must be \"r\", \"w\", \"rw\" or 0..3", what);
}

int ref_check_members(json_t *obj, const char *where, const char *const *names, size_t n,
		      char *why)
{
	const char *key;
	json_t *value;
	const char *sep = *where ? ": " : "";

	json_object_foreach(obj, key, value) {
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = !strcmp(key, names[i]);
		if (known)
			continue;
		const char *near = closest_name(key, names, n);
		if (near)
			return ref_fail(why, -EINVAL, "%s%sunknown member '%.40s' (did you mean '%s'?)",
					where, sep, key, near);
		char list[160] = "";
		for (size_t i = 0; i < n; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
		}
		return ref_fail(why, -EINVAL, "%s%sunknown member '%.40s' (known: %s)", where, sep, key,
				list);
	}
	return 0;
}

char *ref_read_file(const char *path, size_t *len, char *why)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		ref_fail(why, -ENOENT, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(REF_FILE_MAX);
	size_t n = buf ? fread(buf, 1, REF_FILE_MAX, f) : 0;
	fclose(f);
	if (!buf || n == REF_FILE_MAX) {
		free(buf);
		ref_fail(why, -EFBIG, "%s: larger than 4 MiB", path);
		return NULL;
	}
	*len = n;
	return buf;
}

json_t *ref_parse_json(const char *json, size_t len, const char *what, char *why)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		ref_fail(why, -EINVAL, "%s: JSON error at line %d: %s", what, jerr.line, jerr.text);
	return root;
}

/*
 * The optional array root[name] of at most max items: 0 with *arr NULL when
 * it is absent or null, 0 with *arr set, -EINVAL when it is anything else.
 */
static int optional_array(json_t *root, const char *name, size_t max, const char *expected,
			  json_t **arr, char *why)
{
	*arr = json_object_get(root, name);
	if (!*arr || json_is_null(*arr)) {
		*arr = NULL;
		return 0;
	}
	if (!json_is_array(*arr) || json_array_size(*arr) > max)
		return ref_fail(why, -EINVAL, "%s: expected %s", name, expected);
	return 0;
}

/* A list of hex values; absent (or null) leaves it not present. */
static int load_list(json_t *root, const char *name, struct ref_value_list *out, char *why)
{
	json_t *arr;
	int rc = optional_array(root, name, REF_LIST_MAX, "an array of hex strings", &arr, why);
	if (rc != 0 || !arr)
		return rc;
	out->present = true;
	out->count = json_array_size(arr);
	out->values = calloc(out->count ? out->count : 1, sizeof(*out->values));
	if (!out->values)
		return ref_fail(why, -ENOMEM, "out of memory");
	for (size_t i = 0; i < out->count; i++) {
		char what[64];
		snprintf(what, sizeof(what), "%s[%zu]", name, i);
		rc = ref_hex_value(json_array_get(arr, i), what, &out->values[i], why);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int load_rems(json_t *root, struct verify_refvals *ref, char *why)
{
	json_t *rems = json_object_get(root, "rems");
	if (!rems || json_is_null(rems))
		return 0;
	if (!json_is_array(rems) || json_array_size(rems) != CCA_NUM_REMS)
		return ref_fail(why, -EINVAL, "rems: expected an array of 4 entries (a list each, or null)");
	for (size_t i = 0; i < CCA_NUM_REMS; i++) {
		json_t *holder = json_object();
		char name[16];
		snprintf(name, sizeof(name), "rems[%zu]", i);
		json_object_set(holder, name, json_array_get(rems, i));
		int rc = load_list(holder, name, &ref->rems[i], why);
		json_decref(holder);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int load_platform_keys(json_t *root, const char *base_dir, struct verify_refvals *ref,
			      char *why)
{
	json_t *keys;
	int err = optional_array(root, "platform_keys", 64, "an array (at most 64)", &keys, why);
	if (err != 0 || !keys)
		return err;
	size_t n = json_array_size(keys);
	ref->platform_keys = calloc(n ? n : 1, sizeof(EVP_PKEY *));
	if (!ref->platform_keys)
		return ref_fail(why, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *k = json_array_get(keys, i);
		char kwhy[PUBKEY_WHY_MAX];
		EVP_PKEY *key = NULL;
		int rc;
		if (json_is_object(k)) {
			char *text = json_dumps(k, JSON_COMPACT);
			rc = text ? pubkey_from_jwk(text, strlen(text), &key, kwhy) : -ENOMEM;
			free(text);
		} else if (json_is_string(k) && strncmp(json_string_value(k), "-----BEGIN", 10) == 0) {
			rc = pubkey_from_pem(json_string_value(k), json_string_length(k), &key, kwhy);
		} else if (json_is_string(k)) {
			const char *p = json_string_value(k);
			char path[PATH_MAX];
			if (p[0] != '/' && base_dir)
				snprintf(path, sizeof(path), "%s/%s", base_dir, p);
			else
				snprintf(path, sizeof(path), "%s", p);
			rc = pubkey_load_file(path, &key, kwhy);
		} else {
			return ref_fail(why, -EINVAL, "platform_keys[%zu]: a path, PEM text or JWK object", i);
		}
		if (rc != 0)
			return ref_fail(why, rc, "platform_keys[%zu]: %s", i, kwhy);
		ref->platform_keys[ref->num_platform_keys++] = key;
	}
	return 0;
}

static char *dup_string(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));
	return s ? strdup(s) : NULL;
}

static int load_sw_components(json_t *root, struct verify_refvals *ref, char *why)
{
	json_t *arr;
	int err = optional_array(root, "sw_components", REF_LIST_MAX, "an array of objects", &arr,
				 why);
	if (err != 0 || !arr)
		return err;
	size_t n = json_array_size(arr);
	ref->has_sw_components = true;
	ref->sw_components = calloc(n ? n : 1, sizeof(*ref->sw_components));
	if (!ref->sw_components)
		return ref_fail(why, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		struct ref_sw_component *rc = &ref->sw_components[i];
		char what[64];
		ref->num_sw_components = i + 1; /* owned strings are freed on failure */
		if (!json_is_object(c))
			return ref_fail(why, -EINVAL, "sw_components[%zu]: expected an object", i);
		snprintf(what, sizeof(what), "sw_components[%zu]", i);
		if (ref_check_members(c, what, sw_members, N(sw_members), why) != 0)
			return -EINVAL;
		snprintf(what, sizeof(what), "sw_components[%zu].measurement", i);
		if (ref_hex_value(json_object_get(c, "measurement"), what, &rc->measurement, why) != 0)
			return -EINVAL;
		if (json_object_get(c, "signer")) {
			snprintf(what, sizeof(what), "sw_components[%zu].signer", i);
			if (ref_hex_value(json_object_get(c, "signer"), what, &rc->signer, why) != 0)
				return -EINVAL;
			rc->has_signer = true;
		}
		rc->type = dup_string(c, "type");
		rc->version = dup_string(c, "version");
	}
	return 0;
}

/* {"rim"}, {"rim", "rpv"} or {"realm_id"}, with optional "perms". */
static int load_csm_identity(json_t *m, const char *what, struct ref_csm_identity *id, char *why)
{
	if (json_is_object(m) &&
	    ref_check_members(m, what, identity_members, N(identity_members), why) != 0)
		return -EINVAL;
	json_t *rim = json_object_get(m, "rim"), *rid = json_object_get(m, "realm_id");
	json_t *rpv = json_object_get(m, "rpv");
	if (!json_is_object(m) || (rim && rid) || (!rim && !rid) || (rpv && !rim))
		return ref_fail(why, -EINVAL,
				"%s: an object with exactly one of \"rim\" (optionally with \"rpv\") or \"realm_id\"",
				what);
	id->kind = rid ? CSM_ID_REALM_ID : rpv ? CSM_ID_RIM_RPV : CSM_ID_RIM;
	if (ref_hex_value(rim ? rim : rid, what, &id->value, why) != 0)
		return -EINVAL;
	if (id->kind == CSM_ID_REALM_ID && id->value.len != CAEC_REALM_ID_SIZE)
		return ref_fail(why, -EINVAL, "%s: a realm ID is 32 bytes", what);
	if (rpv && (ref_hex_value(rpv, what, &id->rpv, why) != 0 || id->rpv.len != CCA_RPV_SIZE))
		return ref_fail(why, -EINVAL, "%s: rpv must be 64 bytes of hex", what);
	json_t *perms = json_object_get(m, "perms");
	id->max_perms = CSM_PERM_READ | CSM_PERM_WRITE;
	return perms ? ref_perms(perms, what, &id->max_perms, why) : 0;
}

/* true, false, or absent / null (not appraised). */
static int load_flag_rule(json_t *rule, const char *name, const char *where,
			  enum ref_flag_rule *out, char *why)
{
	json_t *j = json_object_get(rule, name);
	*out = REF_FLAG_ANY;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_boolean(j))
		return ref_fail(why, -EINVAL, "%s.%s: true or false", where, name);
	*out = json_is_true(j) ? REF_FLAG_SET : REF_FLAG_CLEAR;
	return 0;
}

/* The rule's optional constraints on the region claim itself. */
static int load_rule_constraints(json_t *rule, const char *where, struct ref_csm_rule *r,
				 char *why)
{
	json_t *j;
	char what[64];
	if ((j = json_object_get(rule, "owner_realm_id")) && !json_is_null(j)) {
		struct ref_value v;
		snprintf(what, sizeof(what), "%.40s.owner_realm_id", where);
		if (ref_hex_value(j, what, &v, why) != 0)
			return -EINVAL;
		if (v.len != CAEC_REALM_ID_SIZE)
			return ref_fail(why, -EINVAL, "%s: a realm ID is 32 bytes", what);
		memcpy(r->owner_realm_id, v.bytes, sizeof(r->owner_realm_id));
		r->has_owner_realm_id = true;
	}
	if ((j = json_object_get(rule, "acl_digest")) && !json_is_null(j)) {
		snprintf(what, sizeof(what), "%.40s.acl_digest", where);
		if (ref_hex_value(j, what, &r->acl_digest, why) != 0)
			return -EINVAL;
		if (r->acl_digest.len != 32 && r->acl_digest.len != 48 && r->acl_digest.len != 64)
			return ref_fail(why, -EINVAL, "%s: a digest is 32, 48 or 64 bytes", what);
		r->has_acl_digest = true;
	}
	if (load_flag_rule(rule, "sealed", where, &r->sealed, why) != 0 ||
	    load_flag_rule(rule, "owner_destroyed", where, &r->owner_destroyed, why) != 0)
		return -EINVAL;
	return 0;
}

static int load_csm(json_t *root, struct verify_refvals *ref, char *why)
{
	json_t *arr;
	int err = optional_array(root, "csm", REF_LIST_MAX, "an array of region rules", &arr, why);
	if (err != 0 || !arr)
		return err;
	size_t n = json_array_size(arr);
	ref->has_csm = true;
	ref->csm_rules = calloc(n ? n : 1, sizeof(*ref->csm_rules));
	if (!ref->csm_rules)
		return ref_fail(why, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *rule = json_array_get(arr, i), *members;
		struct ref_csm_rule *r = &ref->csm_rules[i];
		char what[64];
		ref->num_csm_rules = i + 1;
		snprintf(what, sizeof(what), "csm[%zu]", i);
		if (json_is_object(rule) &&
		    ref_check_members(rule, what, rule_members, N(rule_members), why) != 0)
			return -EINVAL;
		snprintf(what, sizeof(what), "csm[%zu].owner_rim", i);
		if (!json_is_object(rule) ||
		    ref_hex_value(json_object_get(rule, "owner_rim"), what, &r->owner_rim, why) != 0)
			return ref_fail(why, -EINVAL, "csm[%zu]: needs \"owner_rim\" (hex)", i);
		snprintf(what, sizeof(what), "csm[%zu]", i);
		if (load_rule_constraints(rule, what, r, why) != 0)
			return -EINVAL;
		members = json_object_get(rule, "members");
		if (!json_is_array(members) || json_array_size(members) > REF_LIST_MAX)
			return ref_fail(why, -EINVAL, "csm[%zu].members: expected an array", i);
		r->members = calloc(json_array_size(members) + 1, sizeof(*r->members));
		if (!r->members)
			return ref_fail(why, -ENOMEM, "out of memory");
		for (size_t m = 0; m < json_array_size(members); m++) {
			snprintf(what, sizeof(what), "csm[%zu].members[%zu]", i, m);
			if (load_csm_identity(json_array_get(members, m), what, &r->members[m], why) != 0)
				return -EINVAL;
			r->num_members = m + 1;
		}
	}
	return 0;
}

int verify_refvals_parse(const char *json, size_t len, const char *base_dir,
			 struct verify_refvals **out, char why[REF_WHY_MAX])
{
	*out = NULL;
	json_t *root = ref_parse_json(json, len, "reference values", why);
	if (!root)
		return -EINVAL;
	struct verify_refvals *ref = calloc(1, sizeof(*ref));
	int rc = -ENOMEM;
	if (!ref) {
		ref_fail(why, rc, "out of memory");
		goto out;
	}
	if (!json_is_object(root)) {
		rc = ref_fail(why, -EINVAL, "reference values: the top level must be an object");
		goto out;
	}
	if ((rc = ref_check_members(root, "", top_members, N(top_members), why)) != 0 ||
	    (rc = load_platform_keys(root, base_dir, ref, why)) != 0 ||
	    (rc = load_list(root, "implementation_ids", &ref->implementation_ids, why)) != 0 ||
	    (rc = load_list(root, "rims", &ref->rims, why)) != 0 ||
	    (rc = load_list(root, "rpvs", &ref->rpvs, why)) != 0 ||
	    (rc = load_rems(root, ref, why)) != 0 || (rc = load_sw_components(root, ref, why)) != 0 ||
	    (rc = load_csm(root, ref, why)) != 0)
		goto out;
	*out = ref;
	ref = NULL;
out:
	verify_refvals_free(ref);
	json_decref(root);
	return rc;
}

int verify_refvals_load(const char *path, struct verify_refvals **out, char why[REF_WHY_MAX])
{
	size_t len;
	*out = NULL;
	char *text = ref_read_file(path, &len, why);
	if (!text)
		return -EINVAL;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int rc = verify_refvals_parse(text, len, slash ? dir : ".", out, why);
	free(text);
	return rc;
}

void verify_refvals_free(struct verify_refvals *ref)
{
	if (!ref)
		return;
	for (size_t i = 0; i < ref->num_platform_keys; i++)
		EVP_PKEY_free(ref->platform_keys[i]);
	free(ref->platform_keys);
	free(ref->implementation_ids.values);
	free(ref->rims.values);
	free(ref->rpvs.values);
	for (size_t i = 0; i < CCA_NUM_REMS; i++)
		free(ref->rems[i].values);
	for (size_t i = 0; i < ref->num_sw_components; i++) {
		free(ref->sw_components[i].type);
		free(ref->sw_components[i].version);
	}
	free(ref->sw_components);
	for (size_t i = 0; i < ref->num_csm_rules; i++)
		free(ref->csm_rules[i].members);
	free(ref->csm_rules);
	free(ref);
}
