/*
 * The JSON source of a policy (verify/policy.h): read in the order of the
 * file, every key known, every error naming the realm or channel it is
 * about. Cross-item rules (RIMs unique, the blob's size) are
 * policy_source_validate's, so a source built by hand meets the same ones.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abi/caec.h"
#include "verify/hex.h"
#include "verify/names.h"
#include "policy_internal.h"
#include "verify/policy.h"

static const char *const top_keys[] = { "version", "self", "realms", "channels", "host_calls", "strict" };
/* A realm's own keys, then the options of an image the resolver reads. */
static const char *const realm_keys[] = { "rim", "image", "gateway", "reaches_host",
					  "memory", "vcpus", "policy_required", "csm_exits", "hash",
					  "model", "sealed_model", "model_key", "ipa_bits" };
#define REALM_OWN_KEYS 4
static const char *const channel_keys[] = { "owner", "pages", "members" };

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* The first key of obj not among keys, explained into err (with where, the
 * item's description, in front); 0 when every key is known. */
static int check_keys(const json_t *obj, const char *const *keys, size_t n, const char *where,
		      struct policy_err *err)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)obj, key, value) {
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = !strcmp(key, keys[i]);
		if (known)
			continue;
		const char *near = closest_name(key, keys, n);
		if (near)
			return policy_fail(err, "%sunknown key '%s' (did you mean '%s'?)", where, key, near);
		char list[160] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", keys[i]);
		return policy_fail(err, "%sunknown key '%s' (known: %s)", where, key, list);
	}
	return 0;
}

/* "agent, llm, net": the declared realms, for messages. */
static void realm_list(const struct policy_source *src, char *buf, size_t size)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < src->num_realms; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", src->realms[i].name);
}

static int not_declared(const struct policy_source *src, struct policy_err *err, const char *what,
			const char *name)
{
	char list[POLICY_ERR_MAX];
	realm_list(src, list, sizeof(list));
	return policy_fail(err, "%s '%s' is not a declared realm (declared: %s)", what, name, list);
}

static int read_rim(const char *name, const json_t *rim, struct policy_source_realm *r, struct policy_err *err)
{
	const char *hex = json_string_value(rim);
	size_t n;

	if (!hex)
		return policy_fail(err, "realm '%s': \"rim\" must be a string of hex", name);
	size_t digits = strlen(hex) - (strncmp(hex, "0x", 2) ? 0 : 2);
	if (digits != 64 && digits != 128)
		return policy_fail(err, "realm '%s': \"rim\" has %zu hex digits; a RIM has 64 (SHA-256) or 128 (SHA-512)",
			    name, digits);
	if (hex_decode(hex, r->rim, sizeof(r->rim), &n) != 0)
		return policy_fail(err, "realm '%s': \"rim\" is not hex", name);
	r->rim_size = n;
	return 0;
}

static int read_image(const char *name, const json_t *image, const json_t *obj, const char *base_dir,
		      policy_image_resolver resolver, void *ctx, struct policy_source_realm *r,
		      struct policy_err *err)
{
	const char *path = json_string_value(image);
	struct policy_err why = { "" };
	size_t size = 0;

	if (!path || !*path)
		return policy_fail(err, "realm '%s': \"image\" must be the path of a realm image", name);
	if (!resolver)
		return policy_fail(err, "realm '%s': \"image\" needs a measurement this reader does not do (give \"rim\")", name);
	if (resolver(ctx, path, base_dir ? base_dir : ".", obj, r->rim, &size, &why) != 0)
		return policy_fail(err, "realm '%s': %s", name, why.msg[0] ? why.msg : "the image could not be measured");
	if (size != 32 && size != 64)
		return policy_fail(err, "realm '%s': the image's RIM is %zu bytes, not 32 or 64", name, size);
	r->rim_size = size;
	return 0;
}

static int read_realm(const char *name, const json_t *obj, const char *base_dir, policy_image_resolver resolver,
		      void *ctx, struct policy_source_realm *r, struct policy_err *err)
{
	char where[64];

	if (!policy_name_valid(name))
		return policy_fail(err, "realm name '%.40s': a name is 1 to 31 of A-Z a-z 0-9 _ . -", name);
	if (!json_is_object(obj))
		return policy_fail(err, "realm '%s': must be an object ({\"rim\": hex} or {\"image\": path})", name);
	snprintf(where, sizeof(where), "realm '%s': ", name);
	const json_t *rim = json_object_get(obj, "rim"), *image = json_object_get(obj, "image");
	/* The image options mean nothing beside a RIM given in hex. */
	if (check_keys(obj, realm_keys, image ? NKEYS(realm_keys) : REALM_OWN_KEYS, where, err) != 0) {
		for (size_t i = REALM_OWN_KEYS; !image && i < NKEYS(realm_keys); i++)
			if (json_object_get(obj, realm_keys[i]))
				return policy_fail(err, "realm '%s': \"%s\" is an option of an \"image\"; this realm gives its \"rim\"",
					    name, realm_keys[i]);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	const json_t *gw = json_object_get(obj, "gateway");
	if (gw && !json_is_boolean(gw))
		return policy_fail(err, "realm '%s': \"gateway\" must be true or false", name);
	r->gateway = gw && json_is_true(gw);
	const json_t *reach = json_object_get(obj, "reaches_host");
	if (reach && !json_is_boolean(reach))
		return policy_fail(err, "realm '%s': \"reaches_host\" must be true or false", name);
	r->reaches_host = reach && json_is_true(reach);
	if (rim && image)
		return policy_fail(err, "realm '%s': give \"rim\" or \"image\", not both", name);
	if (rim)
		return read_rim(name, rim, r, err);
	if (image)
		return read_image(name, image, obj, base_dir, resolver, ctx, r, err);
	return policy_fail(err, "realm '%s': no \"rim\" (hex) or \"image\" (a realm image to measure)", name);
}

static int read_realms(const json_t *realms, const char *base_dir, policy_image_resolver resolver, void *ctx,
		       struct policy_source *out, struct policy_err *err)
{
	const char *name;
	json_t *obj;

	if (!realms)
		return policy_fail(err, "no \"realms\": a policy declares its realms ({\"name\": {\"rim\": hex}})");
	if (!json_is_object(realms))
		return policy_fail(err, "\"realms\" must be an object of realm name: {\"rim\" or \"image\", \"gateway\"}");
	if (json_object_size(realms) == 0)
		return policy_fail(err, "\"realms\" is empty: a policy declares at least one realm");
	if (json_object_size(realms) > POLICY_MAX_REALMS)
		return policy_fail(err, "\"realms\" has %zu realms: at most %u", json_object_size(realms), POLICY_MAX_REALMS);
	json_object_foreach((json_t *)realms, name, obj) {
		if (read_realm(name, obj, base_dir, resolver, ctx, &out->realms[out->num_realms], err) != 0)
			return -1;
		out->num_realms++;
	}
	return 0;
}

static int read_members(const char *name, const json_t *members, const struct policy_source *src,
			struct policy_source_channel *c, struct policy_err *err)
{
	const char *realm;
	json_t *perm;
	char what[80];

	if (!json_is_object(members))
		return policy_fail(err, "channel '%s': \"members\" must be an object of realm name: \"r\", \"w\" or \"rw\"", name);
	if (json_object_size(members) == 0)
		return policy_fail(err, "channel '%s': no members (a channel gives at least one realm access)", name);
	json_object_foreach((json_t *)members, realm, perm) {
		int i = policy_source_find_realm(src, realm);
		snprintf(what, sizeof(what), "channel '%s': member", name);
		if (i < 0)
			return not_declared(src, err, what, realm);
		const char *p = json_string_value(perm);
		if (p && !strcmp(p, "r"))
			c->perms[i] = CSM_PERM_READ;
		else if (p && !strcmp(p, "w"))
			c->perms[i] = CSM_PERM_WRITE;
		else if (p && !strcmp(p, "rw"))
			c->perms[i] = CSM_PERM_READ | CSM_PERM_WRITE;
		else
			return policy_fail(err, "channel '%s': member '%s': the permission must be \"r\", \"w\" or \"rw\"", name,
				    realm);
	}
	return 0;
}

static int read_channel(const char *name, const json_t *obj, const struct policy_source *src,
			struct policy_source_channel *c, struct policy_err *err)
{
	char where[64];

	if (!policy_name_valid(name))
		return policy_fail(err, "channel name '%.40s': a name is 1 to 31 of A-Z a-z 0-9 _ . -", name);
	if (!json_is_object(obj))
		return policy_fail(err, "channel '%s': must be an object ({\"owner\", \"pages\", \"members\"})", name);
	snprintf(where, sizeof(where), "channel '%s': ", name);
	if (check_keys(obj, channel_keys, NKEYS(channel_keys), where, err) != 0)
		return -1;
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	const json_t *owner = json_object_get(obj, "owner"), *pages = json_object_get(obj, "pages");
	const json_t *members = json_object_get(obj, "members");
	if (!owner || !json_is_string(owner))
		return policy_fail(err, "channel '%s': \"owner\" must name the realm that creates it", name);
	int o = policy_source_find_realm(src, json_string_value(owner));
	if (o < 0) {
		snprintf(where, sizeof(where), "channel '%s': owner", name);
		return not_declared(src, err, where, json_string_value(owner));
	}
	c->owner = (unsigned)o;
	if (!pages || !json_is_integer(pages) || json_integer_value(pages) < 1 ||
	    json_integer_value(pages) > CSM_MAX_GRANULES)
		return policy_fail(err, "channel '%s': \"pages\" must be a number of 4 KiB pages, 1..%u", name,
			    (unsigned)CSM_MAX_GRANULES);
	c->pages = (uint32_t)json_integer_value(pages);
	if (!members)
		return policy_fail(err, "channel '%s': no \"members\" ({\"realm\": \"r\", \"w\" or \"rw\"})", name);
	return read_members(name, members, src, c, err);
}

static int read_channels(const json_t *channels, struct policy_source *out, struct policy_err *err)
{
	const char *name;
	json_t *obj;

	if (!channels)
		return 0;
	if (!json_is_object(channels))
		return policy_fail(err, "\"channels\" must be an object of channel name: {\"owner\", \"pages\", \"members\"}");
	if (json_object_size(channels) > POLICY_MAX_CHANNELS)
		return policy_fail(err, "\"channels\" has %zu channels: at most %u", json_object_size(channels),
			    POLICY_MAX_CHANNELS);
	json_object_foreach((json_t *)channels, name, obj) {
		if (read_channel(name, obj, out, &out->channels[out->num_channels], err) != 0)
			return -1;
		out->num_channels++;
	}
	return 0;
}

static int read_modes(const json_t *root, struct policy_source *out, struct policy_err *err)
{
	const json_t *hc = json_object_get(root, "host_calls"), *strict = json_object_get(root, "strict");

	out->host_calls = POLICY_DEFAULT_HOST_CALLS;
	if (hc) {
		const char *s = json_string_value(hc);
		unsigned m;
		for (m = 0; m <= POLICY_HOST_CALLS_DOORBELL; m++)
			if (s && !strcmp(s, policy_host_calls_name(m)))
				break;
		if (m > POLICY_HOST_CALLS_DOORBELL)
			return policy_fail(err, "\"host_calls\" must be \"allow\", \"deny\" or \"doorbell\"");
		out->host_calls = m;
	}
	out->strict = POLICY_DEFAULT_STRICT;
	if (strict && !json_is_boolean(strict))
		return policy_fail(err, "\"strict\" must be true or false");
	if (strict)
		out->strict = json_is_true(strict);
	return 0;
}

int policy_source_from_json(const json_t *root, const char *base_dir, policy_image_resolver resolver,
			    void *resolver_ctx, struct policy_source *out, struct policy_err *err)
{
	memset(out, 0, sizeof(*out));
	out->self = -1;
	if (!json_is_object(root))
		return policy_fail(err, "a policy source is a JSON object ({\"version\": 1, \"realms\": ...})");
	if (check_keys(root, top_keys, NKEYS(top_keys), "", err) != 0)
		return -1;
	const json_t *version = json_object_get(root, "version");
	if (!version)
		return policy_fail(err, "no \"version\" (write \"version\": 1)");
	if (!json_is_integer(version) || json_integer_value(version) != 1)
		return policy_fail(err, "\"version\" must be 1 (the only version of the source)");
	if (read_realms(json_object_get(root, "realms"), base_dir, resolver, resolver_ctx, out, err) != 0)
		return -1;
	const json_t *self = json_object_get(root, "self");
	if (self) {
		if (!json_is_string(self))
			return policy_fail(err, "\"self\" must name a realm");
		out->self = policy_source_find_realm(out, json_string_value(self));
		if (out->self < 0)
			return not_declared(out, err, "\"self\":", json_string_value(self));
	}
	if (read_channels(json_object_get(root, "channels"), out, err) != 0 || read_modes(root, out, err) != 0)
		return -1;
	return policy_source_validate(out, err);
}

int policy_source_load(const char *path, policy_image_resolver resolver, void *resolver_ctx,
		       struct policy_source *out, struct policy_err *err)
{
	json_error_t je;
	char dir[4096];

	memset(out, 0, sizeof(*out));
	out->self = -1;
	json_t *root = json_load_file(path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.line > 0)
			return policy_fail(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return policy_fail(err, "%s", je.text);
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int rc = policy_source_from_json(root, dir, resolver, resolver_ctx, out, err);
	json_decref(root);
	return rc;
}

int policy_source_find_realm(const struct policy_source *src, const char *name)
{
	for (unsigned i = 0; name && i < src->num_realms; i++)
		if (!strcmp(src->realms[i].name, name))
			return (int)i;
	return -1;
}

bool policy_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

const char *policy_host_calls_name(unsigned mode)
{
	switch (mode) {
	case POLICY_HOST_CALLS_ALLOW:
		return "allow";
	case POLICY_HOST_CALLS_DENY:
		return "deny";
	case POLICY_HOST_CALLS_DOORBELL:
		return "doorbell";
	}
	return NULL;
}

const char *policy_perm_name(unsigned perms)
{
	switch (perms) {
	case 0:
		return "";
	case CSM_PERM_READ:
		return "r";
	case CSM_PERM_WRITE:
		return "w";
	case CSM_PERM_READ | CSM_PERM_WRITE:
		return "rw";
	}
	return NULL;
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * POLICY_RIM_SIZE + 1];
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n && i < POLICY_RIM_SIZE; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * (n < POLICY_RIM_SIZE ? n : POLICY_RIM_SIZE)] = '\0';
	return json_string(hex);
}

static json_t *channel_json(const struct policy_source *src, const struct policy_source_channel *c)
{
	json_t *ch = json_object(), *members = json_object();
	int bad = 0;

	if (!ch || !members) {
		json_decref(ch);
		json_decref(members);
		return NULL;
	}
	for (unsigned k = 0; !bad && k < src->num_realms && k < POLICY_MAX_REALMS; k++)
		if (c->perms[k])
			bad |= json_object_set_new(members, src->realms[k].name,
						   json_string(policy_perm_name(c->perms[k]) ? policy_perm_name(c->perms[k]) : "?"));
	if (!bad && c->owner < src->num_realms)
		bad |= json_object_set_new(ch, "owner", json_string(src->realms[c->owner].name));
	bad |= json_object_set_new(ch, "pages", json_integer(c->pages));
	bad |= json_object_set_new(ch, "members", members);
	if (bad) {
		json_decref(ch);
		return NULL;
	}
	return ch;
}

json_t *policy_source_to_json(const struct policy_source *src)
{
	json_t *root = json_object(), *realms = json_object(), *channels = json_object();
	int bad = 0;

	if (!root || !realms || !channels) {
		json_decref(root);
		json_decref(realms);
		json_decref(channels);
		return NULL;
	}
	bad |= json_object_set_new(root, "version", json_integer(1));
	if (!bad && src->self >= 0 && src->self < (int)src->num_realms)
		bad |= json_object_set_new(root, "self", json_string(src->realms[src->self].name));
	for (unsigned i = 0; !bad && i < src->num_realms && i < POLICY_MAX_REALMS; i++) {
		const struct policy_source_realm *r = &src->realms[i];
		json_t *o = json_object();
		if (!o) {
			bad = 1;
			break;
		}
		bad |= json_object_set_new(o, "rim", hex_json(r->rim, r->rim_size));
		bad |= json_object_set_new(o, "gateway", json_boolean(r->gateway));
		if (r->reaches_host)
			bad |= json_object_set_new(o, "reaches_host", json_true());
		bad |= json_object_set_new(realms, r->name, o);
	}
	bad |= json_object_set_new(root, "realms", realms);
	for (unsigned i = 0; !bad && i < src->num_channels && i < POLICY_MAX_CHANNELS; i++)
		bad |= json_object_set_new(channels, src->channels[i].name, channel_json(src, &src->channels[i]));
	bad |= json_object_set_new(root, "channels", channels);
	const char *hc = policy_host_calls_name(src->host_calls);
	bad |= json_object_set_new(root, "host_calls", json_string(hc ? hc : "?"));
	bad |= json_object_set_new(root, "strict", json_boolean(src->strict));
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}
