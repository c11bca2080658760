/*
 * Token dump: one walk over the CBOR builds a jansson tree (names for known
 * keys, hex for bytes); JSON output prints it, text output indents it. In
 * text mode scalars are preformatted (text quoted, bytes bare hex) so the two
 * kinds stay distinguishable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "abi/caec.h"
#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/dump.h"
#include "verify/token.h"

enum ctx { CTX_PLAIN, CTX_PLATFORM, CTX_REALM, CTX_SWCOMP, CTX_REGION, CTX_COSE_KEY };

struct name {
	int64_t key;
	const char *name;
};

static const struct name platform_names[] = {
	{ 265, "profile" }, { 10, "challenge" }, { 2396, "implementation-id" },
	{ 256, "instance-id" }, { 2401, "config" }, { 2395, "lifecycle" },
	{ 2399, "sw-components" }, { 2400, "verification-service" }, { 2402, "hash-algo-id" },
};
static const struct name realm_names[] = {
	{ 265, "profile" }, { 10, "challenge" }, { 44235, "personalization-value" },
	{ 44236, "hash-algo-id" }, { 44237, "public-key" }, { 44238, "initial-measurement" },
	{ 44239, "extensible-measurements" }, { 44240, "public-key-hash-algo-id" },
	{ 65001, "caec-realm-id" }, { 65002, "caec-regions" }, { 65003, "caec-policy-digest" },
	{ 65004, "caec-config-flags" },
};
static const struct name swcomp_names[] = {
	{ 1, "type" }, { 2, "measurement-value" }, { 4, "version" }, { 5, "signer-id" },
	{ 6, "hash-algo-id" },
};
static const struct name region_names[] = {
	{ 1, "csm-id" }, { 2, "role" }, { 3, "perms" }, { 4, "owner-rim" },
	{ 5, "membership-digest" }, { 6, "generation" }, { 7, "owner-realm-id" },
	{ 8, "acl-digest" }, { 9, "flags" },
};
static const struct name cose_key_names[] = {
	{ 1, "kty" }, { -1, "crv" }, { -2, "x" }, { -3, "y" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const struct name *t, size_t n, int64_t key)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].key == key)
			return t[i].name;
	return NULL;
}

static const char *ctx_name(enum ctx c, int64_t key)
{
	switch (c) {
	case CTX_PLATFORM:
		return lookup(platform_names, N(platform_names), key);
	case CTX_REALM:
		return lookup(realm_names, N(realm_names), key);
	case CTX_SWCOMP:
		return lookup(swcomp_names, N(swcomp_names), key);
	case CTX_REGION:
		return lookup(region_names, N(region_names), key);
	case CTX_COSE_KEY:
		return lookup(cose_key_names, N(cose_key_names), key);
	default:
		return NULL;
	}
}

const char *cca_claim_name(bool realm, int64_t key)
{
	return ctx_name(realm ? CTX_REALM : CTX_PLATFORM, key);
}

/* The context of the values under a key: what the items of an array or map are. */
static enum ctx child_ctx(enum ctx c, int64_t key)
{
	if (c == CTX_PLATFORM && key == CCA_PLAT_SW_COMPONENTS)
		return CTX_SWCOMP;
	if (c == CTX_REALM && key == CAEC_CLAIM_REGIONS)
		return CTX_REGION;
	return CTX_PLAIN;
}

struct walker {
	struct cbor_reader *r;
	bool text;
};

/* JSON keys are snake_case ("initial_measurement"); text keeps the claim names. */
static void snake_case(char *out, size_t size, const char *name)
{
	size_t i = 0;
	for (; name[i] && i + 1 < size; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[i] = '\0';
}

static json_t *hex_value(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return json_null();
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *text_value(struct walker *w, const char *p, size_t n)
{
	if (!w->text)
		return json_stringn(p, n);
	char *s = malloc(n + 3);
	if (!s)
		return json_null();
	s[0] = '"';
	memcpy(s + 1, p, n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	json_t *j = json_stringn(s, n + 2);
	free(s);
	return j;
}

static json_t *walk(struct walker *w, enum ctx c);

static json_t *walk_map(struct walker *w, enum ctx c, uint64_t pairs)
{
	json_t *obj = json_object();
	for (uint64_t i = 0; i < pairs; i++) {
		struct cbor_head h;
		char key[96];
		int64_t num = 0;
		bool numeric = false;
		if (cbor_peek_head(w->r, &h) != 0)
			break;
		if (h.major == CBOR_MAJOR_UINT || h.major == CBOR_MAJOR_NEGINT) {
			if (cbor_read_int(w->r, &num) != 0)
				break;
			numeric = true;
			const char *name = ctx_name(c, num);
			if (name && w->text)
				snprintf(key, sizeof(key), "%s (%" PRId64 ")", name, num);
			else if (name)
				snake_case(key, sizeof(key), name);
			else
				snprintf(key, sizeof(key), "%" PRId64, num);
		} else if (h.major == CBOR_MAJOR_TSTR) {
			const char *s;
			size_t n;
			if (cbor_read_tstr(w->r, &s, &n) != 0)
				break;
			snprintf(key, sizeof(key), w->text ? "\"%.*s\"" : "%.*s", (int)(n > 80 ? 80 : n), s);
		} else {
			snprintf(key, sizeof(key), "key@%zu", h.offset);
			if (cbor_skip(w->r, NULL, NULL) != 0)
				break;
		}
		json_t *v = walk(w, numeric ? child_ctx(c, num) : CTX_PLAIN);
		json_object_set_new(obj, key, v);
	}
	return obj;
}

static json_t *walk(struct walker *w, enum ctx c)
{
	struct cbor_head h;
	if (cbor_read_head(w->r, &h) != 0)
		return json_null();
	switch (h.major) {
	case CBOR_MAJOR_UINT: {
		if (h.arg <= INT64_MAX)
			return json_integer((json_int_t)h.arg);
		char big[24];
		snprintf(big, sizeof(big), "%" PRIu64, h.arg);
		return json_string(big);
	}
	case CBOR_MAJOR_NEGINT:
		return h.arg <= INT64_MAX ? json_integer(-1 - (json_int_t)h.arg) : json_string("<-2^64..>");
	case CBOR_MAJOR_BSTR:
		return hex_value(h.data, (size_t)h.arg);
	case CBOR_MAJOR_TSTR:
		if (!cbor_utf8_valid(h.data, (size_t)h.arg))
			return hex_value(h.data, (size_t)h.arg);
		return text_value(w, (const char *)h.data, (size_t)h.arg);
	case CBOR_MAJOR_ARRAY: {
		json_t *arr = json_array();
		for (uint64_t i = 0; i < h.arg && !cbor_failed(w->r); i++)
			json_array_append_new(arr, walk(w, c));
		return arr;
	}
	case CBOR_MAJOR_MAP:
		return walk_map(w, c, h.arg);
	case CBOR_MAJOR_TAG: {
		json_t *t = json_object();
		json_object_set_new(t, "tag", json_integer((json_int_t)(h.arg & INT64_MAX)));
		json_object_set_new(t, "value", walk(w, c));
		return t;
	}
	default:
		if (h.info == 20)
			return json_false();
		if (h.info == 21)
			return json_true();
		if (h.info == 22)
			return json_null();
		return json_string(h.info >= 25 ? "<float>" : "<simple>");
	}
}

/* CBOR already known to be well-formed, as a tree. */
static json_t *tree_of(struct cca_bytes cbor, enum ctx c, bool text)
{
	struct cbor_reader r;
	struct walker w = { &r, text };
	cbor_reader_init(&r, cbor.ptr, cbor.len);
	return walk(&w, c);
}

static json_t *claims_tree(struct cca_bytes payload, enum ctx c, bool text)
{
	if (cbor_check_well_formed(payload.ptr, payload.len, NULL) != 0)
		return json_string("<malformed CBOR>");
	return tree_of(payload, c, text);
}

/* The RAK claim: also shown decoded when it is a COSE_Key. */
static void add_rak_detail(json_t *realm, struct cca_bytes rak, bool text)
{
	if (rak.len == 0 || (rak.ptr[0] >> 5) != CBOR_MAJOR_MAP ||
	    cbor_check_well_formed(rak.ptr, rak.len, NULL) != 0)
		return;
	json_object_set_new(realm, text ? "public-key as COSE_Key" : "public_key_cose_key",
			    tree_of(rak, CTX_COSE_KEY, text));
}

/* The lifecycle claim by name as well: 0x5000 is "recoverable-cca-platform-rot-debug". */
static void add_lifecycle_detail(json_t *platform, bool text)
{
	const char *key = text ? "lifecycle (2395)" : "lifecycle";
	json_t *v = json_object_get(platform, key);
	if (!json_is_integer(v))
		return;
	json_int_t value = json_integer_value(v);
	const char *name = cca_lifecycle_name(cca_lifecycle_state((uint64_t)value));
	if (text) {
		char shown[80];
		snprintf(shown, sizeof(shown), "0x%04llx (%s)", (unsigned long long)value, name);
		json_object_set_new(platform, key, json_string(shown));
	} else {
		json_object_set_new(platform, "lifecycle_state", json_string(name));
	}
}

/* ["owner-destroyed", "sealed"], any other bits as one "unknown 0x.." entry. */
static json_t *region_flag_list(uint64_t flags)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = { { CAEC_REGION_FLAG_OWNER_DESTROYED, "owner-destroyed" },
		      { CAEC_REGION_FLAG_SEALED, "sealed" } };
	json_t *list = json_array();
	for (size_t i = 0; i < N(names); i++)
		if (flags & names[i].bit) {
			json_array_append_new(list, json_string(names[i].name));
			flags &= ~names[i].bit;
		}
	if (flags) {
		char unknown[32];
		snprintf(unknown, sizeof(unknown), "unknown 0x%" PRIx64, flags);
		json_array_append_new(list, json_string(unknown));
	}
	return list;
}

/* Claim 65002's role and flags by name too: "role (2): 1 (member)", "flags (9): 0x2 (sealed)". */
static void add_region_details(json_t *realm, bool text)
{
	json_t *regions = json_object_get(realm, text ? "caec-regions (65002)" : "caec_regions");
	json_t *reg;
	size_t i;
	json_array_foreach(regions, i, reg) {
		json_t *role = json_object_get(reg, text ? "role (2)" : "role");
		json_t *flags = json_object_get(reg, text ? "flags (9)" : "flags");
		const char *role_name = NULL;
		if (json_is_integer(role) && json_integer_value(role) <= 1)
			role_name = json_integer_value(role) == 0 ? "owner" : "member";
		if (role_name && text) {
			char shown[32];
			snprintf(shown, sizeof(shown), "%d (%s)", (int)json_integer_value(role), role_name);
			json_object_set_new(reg, "role (2)", json_string(shown));
		} else if (role_name) {
			json_object_set_new(reg, "role_name", json_string(role_name));
		}
		if (!json_is_integer(flags))
			continue;
		uint64_t value = (uint64_t)json_integer_value(flags);
		json_t *list = region_flag_list(value);
		if (!text) {
			json_object_set_new(reg, "flag_names", list);
			continue;
		}
		char shown[128];
		size_t used = (size_t)snprintf(shown, sizeof(shown), "0x%" PRIx64 " (", value);
		json_t *name;
		size_t k;
		json_array_foreach(list, k, name)
			used += (size_t)snprintf(shown + used, used < sizeof(shown) ? sizeof(shown) - used : 0,
						 "%s%s", k ? ", " : "", json_string_value(name));
		if (used < sizeof(shown))
			snprintf(shown + used, sizeof(shown) - used, "%s)", json_array_size(list) ? "" : "none");
		json_object_set_new(reg, "flags (9)", json_string(shown));
		json_decref(list);
	}
}

static json_t *sign1_tree(const struct cose_sign1 *s, enum ctx c, bool text)
{
	json_t *t = json_object();
	const char *alg = cose_alg_name(s->alg);
	json_object_set_new(t, "algorithm", json_string(alg ? alg : "?"));
	json_object_set_new(t, "signature", hex_value(s->signature.ptr, s->signature.len));
	json_object_set_new(t, "claims", claims_tree(s->payload, c, text));
	return t;
}

static void print_text(FILE *out, json_t *j, int indent);

/* "label:" then a scalar on the same line or a container indented below. */
static void print_entry(FILE *out, const char *label, json_t *v, int indent)
{
	fprintf(out, "%*s%s:", indent, "", label);
	if (json_is_object(v) || json_is_array(v)) {
		fputc('\n', out);
		print_text(out, v, indent + 2);
	} else {
		fputc(' ', out);
		print_text(out, v, 0);
	}
}

static void print_text(FILE *out, json_t *j, int indent)
{
	const char *key;
	json_t *v;
	size_t i;
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			print_entry(out, key, v, indent);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			char label[24];
			snprintf(label, sizeof(label), "[%zu]", i);
			print_entry(out, label, v, indent);
		}
		if (json_array_size(j) == 0)
			fprintf(out, "%*s(empty)\n", indent, "");
	} else if (json_is_string(j)) {
		fprintf(out, "%s\n", json_string_value(j));
	} else {
		char *s = json_dumps(j, JSON_ENCODE_ANY);
		fprintf(out, "%s\n", s ? s : "?");
		free(s);
	}
}

int cca_token_dump(FILE *out, const uint8_t *buf, size_t len, bool json, struct verify_result *res)
{
	struct cca_token *tok = calloc(1, sizeof(*tok));
	if (!tok)
		return -ENOMEM;
	verify_result_clear(res);
	int rc = cca_token_decode_collection(buf, len, false, tok, res);
	if (rc == 0)
		rc = cose_sign1_decode(tok->platform_raw.ptr, tok->platform_raw.len, &tok->platform,
				       VERIFY_CHECK_PLATFORM_TOKEN, res);
	if (rc == 0)
		rc = cose_sign1_decode(tok->realm_raw.ptr, tok->realm_raw.len, &tok->realm,
				       VERIFY_CHECK_REALM_TOKEN, res);
	if (rc != 0) {
		free(tok);
		return rc;
	}
	/* Type checks only to report problems; the dump shows the claims regardless. */
	int claims_rc = cca_platform_claims_decode(tok->platform.payload.ptr, tok->platform.payload.len,
						   false, &tok->platform_claims, res);
	if (claims_rc == 0)
		claims_rc = cca_realm_claims_decode(tok->realm.payload.ptr, tok->realm.payload.len,
						    false, &tok->realm_claims, res);

	json_t *root = json_object();
	json_object_set_new(root, json ? "collection_tag" : "collection-tag",
			    json_integer((json_int_t)tok->tag));
	json_object_set_new(root, "format",
			    json_string(tok->tag == CCA_TAG_COLLECTION ? "CCA token collection (tag 907)"
								       : "legacy CCA token (tag 399)"));
	json_t *plat = sign1_tree(&tok->platform, CTX_PLATFORM, !json);
	json_t *realm = sign1_tree(&tok->realm, CTX_REALM, !json);
	if (claims_rc == 0)
		add_rak_detail(json_object_get(realm, "claims"), tok->realm_claims.rak, !json);
	add_lifecycle_detail(json_object_get(plat, "claims"), !json);
	add_region_details(json_object_get(realm, "claims"), !json);
	json_object_set_new(root, json ? "platform" : "platform token", plat);
	json_object_set_new(root, json ? "realm" : "realm token", realm);
	if (claims_rc == 0 && res->num_notes > 0) {
		json_t *notes = json_array();
		for (size_t i = 0; i < res->num_notes; i++)
			json_array_append_new(notes, json_string(res->notes[i].text));
		json_object_set_new(root, "notes", notes);
	}
	if (claims_rc != 0) {
		json_t *p = json_object();
		json_object_set_new(p, "check", json_string(verify_check_name(res->failed)));
		json_object_set_new(p, "reason", json_string(res->reason));
		json_object_set_new(root, "problem", p);
		if (json) {
			char error[VERIFY_REASON_MAX + 32];
			snprintf(error, sizeof(error), "%s: %s", verify_check_name(res->failed), res->reason);
			json_object_set_new(root, "error", json_string(error));
		}
	}
	if (json) {
		json_dumpf(root, out, JSON_INDENT(2));
		fputc('\n', out);
	} else {
		print_text(out, root, 0);
	}
	json_decref(root);
	free(tok);
	return claims_rc;
}
