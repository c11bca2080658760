/*
 * A policy source into its blob (abi/caec_policy.h), and the blob's digest.
 * The layout leaves no choice (every offset follows from the counts, names
 * are packed in realm then channel order, padding is zero), so a source has
 * one blob per self and the blob one digest. Every field is written little
 * endian byte by byte; the result is checked with the monitor's own parser
 * before it is handed out.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "abi/caec.h"
#include "rmm/policy_blob.h"
#include "policy_internal.h"
#include "verify/policy.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Where each part starts, for a source whose counts are within bounds. */
struct layout {
	size_t channels, names, names_len, names_size, total;
};

static struct layout layout_of(const struct policy_source *src)
{
	struct layout l;
	unsigned nr = src->num_realms < POLICY_MAX_REALMS ? src->num_realms : POLICY_MAX_REALMS;
	unsigned nc = src->num_channels < POLICY_MAX_CHANNELS ? src->num_channels : POLICY_MAX_CHANNELS;

	l.channels = sizeof(struct policy_header) + (size_t)nr * sizeof(struct policy_realm);
	l.names = l.channels + (size_t)nc * sizeof(struct policy_channel);
	l.names_len = 0;
	for (unsigned i = 0; i < nr; i++)
		l.names_len += strnlen(src->realms[i].name, sizeof(src->realms[i].name));
	for (unsigned i = 0; i < nc; i++)
		l.names_len += strnlen(src->channels[i].name, sizeof(src->channels[i].name));
	l.names_size = (l.names_len + 7) & ~(size_t)7;
	l.total = l.names + l.names_size;
	return l;
}

size_t policy_blob_size(const struct policy_source *src)
{
	return layout_of(src).total;
}

/* A name of the fixed-size field, checked for its terminator first. */
static bool name_ok(const char name[POLICY_NAME_MAX + 1])
{
	return memchr(name, '\0', POLICY_NAME_MAX + 1) && policy_name_valid(name);
}

static int validate_realms(const struct policy_source *src, struct policy_err *err)
{
	for (unsigned i = 0; i < src->num_realms; i++) {
		const struct policy_source_realm *r = &src->realms[i];
		if (!name_ok(r->name))
			return policy_fail(err, "realm %u: the name is not 1 to 31 of A-Z a-z 0-9 _ . -", i);
		if (r->rim_size != 32 && r->rim_size != 64)
			return policy_fail(err, "realm '%s': a RIM is 32 or 64 bytes, not %zu", r->name, r->rim_size);
		for (unsigned j = 0; j < i; j++) {
			const struct policy_source_realm *o = &src->realms[j];
			if (!strcmp(o->name, r->name))
				return policy_fail(err, "realm '%s' is declared twice", r->name);
			if (o->rim_size == r->rim_size && !memcmp(o->rim, r->rim, r->rim_size))
				return policy_fail(err, "realms '%s' and '%s' have the same RIM (a realm is known by its measurement, so each needs its own)",
					    o->name, r->name);
		}
	}
	return 0;
}

static int validate_channels(const struct policy_source *src, struct policy_err *err)
{
	for (unsigned i = 0; i < src->num_channels; i++) {
		const struct policy_source_channel *c = &src->channels[i];
		unsigned members = 0;
		if (!name_ok(c->name))
			return policy_fail(err, "channel %u: the name is not 1 to 31 of A-Z a-z 0-9 _ . -", i);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(src->channels[j].name, c->name))
				return policy_fail(err, "channel '%s' is declared twice", c->name);
		if (c->owner >= src->num_realms)
			return policy_fail(err, "channel '%s': owner %u is not a realm of the policy", c->name, c->owner);
		if (c->pages == 0 || c->pages > CSM_MAX_GRANULES)
			return policy_fail(err, "channel '%s': %u pages; a region has 1..%u", c->name, (unsigned)c->pages,
				    (unsigned)CSM_MAX_GRANULES);
		for (unsigned k = 0; k < POLICY_MAX_REALMS; k++) {
			if (c->perms[k] & ~(CSM_PERM_READ | CSM_PERM_WRITE))
				return policy_fail(err, "channel '%s': realm %u's permissions 0x%x are not r, w or rw", c->name, k,
					    c->perms[k]);
			if (c->perms[k] && k >= src->num_realms)
				return policy_fail(err, "channel '%s': realm %u has permissions but is not a realm of the policy",
					    c->name, k);
			members += c->perms[k] != 0;
		}
		if (members == 0)
			return policy_fail(err, "channel '%s': no members", c->name);
	}
	return 0;
}

int policy_source_validate(const struct policy_source *src, struct policy_err *err)
{
	if (src->num_realms == 0 || src->num_realms > POLICY_MAX_REALMS)
		return policy_fail(err, "%u realms: a policy has 1..%u", src->num_realms, POLICY_MAX_REALMS);
	if (src->num_channels > POLICY_MAX_CHANNELS)
		return policy_fail(err, "%u channels: a policy has at most %u", src->num_channels, POLICY_MAX_CHANNELS);
	if (validate_realms(src, err) != 0 || validate_channels(src, err) != 0)
		return -1;
	if (src->self < -1 || src->self >= (int)src->num_realms)
		return policy_fail(err, "self %d is not a realm of the policy", src->self);
	if (!policy_host_calls_name(src->host_calls))
		return policy_fail(err, "host_calls %u is not allow, deny or doorbell", src->host_calls);
	size_t total = policy_blob_size(src);
	if (total > POLICY_MAX_SIZE)
		return policy_fail(err, "the blob would be %zu bytes, over the %u-byte limit (shorten the names: they take %zu)",
			    total, POLICY_MAX_SIZE, layout_of(src).names_len);
	return 0;
}

static void write_header(const struct policy_source *src, unsigned self, const struct layout *l, uint8_t *b)
{
	put32(b + offsetof(struct policy_header, magic), POLICY_MAGIC);
	put16(b + offsetof(struct policy_header, version), POLICY_VERSION);
	put16(b + offsetof(struct policy_header, header_size), sizeof(struct policy_header));
	put32(b + offsetof(struct policy_header, total_size), (uint32_t)l->total);
	put16(b + offsetof(struct policy_header, flags), src->strict ? POLICY_FLAG_STRICT : 0);
	b[offsetof(struct policy_header, host_calls)] = (uint8_t)src->host_calls;
	b[offsetof(struct policy_header, self)] = (uint8_t)self;
	b[offsetof(struct policy_header, num_realms)] = (uint8_t)src->num_realms;
	b[offsetof(struct policy_header, num_channels)] = (uint8_t)src->num_channels;
	put16(b + offsetof(struct policy_header, realms_offset), sizeof(struct policy_header));
	put16(b + offsetof(struct policy_header, channels_offset), (uint16_t)l->channels);
	put16(b + offsetof(struct policy_header, names_offset), (uint16_t)l->names);
	put16(b + offsetof(struct policy_header, names_size), (uint16_t)l->names_size);
}

/* The name at *next in the names, its place into the entry. */
static void write_name(uint8_t *names, size_t *next, const char *name, uint8_t *entry_offset, uint8_t *entry_len)
{
	size_t n = strlen(name);

	memcpy(names + *next, name, n);
	put16(entry_offset, (uint16_t)*next);
	*entry_len = (uint8_t)n;
	*next += n;
}

static void write_entries(const struct policy_source *src, const struct layout *l, uint8_t *b)
{
	uint8_t *names = b + l->names;
	size_t next = 0;

	for (unsigned i = 0; i < src->num_realms; i++) {
		const struct policy_source_realm *r = &src->realms[i];
		uint8_t *e = b + sizeof(struct policy_header) + (size_t)i * sizeof(struct policy_realm);
		write_name(names, &next, r->name, e + offsetof(struct policy_realm, name_offset),
			   e + offsetof(struct policy_realm, name_len));
		e[offsetof(struct policy_realm, flags)] = r->gateway ? POLICY_REALM_GATEWAY : 0;
		e[offsetof(struct policy_realm, rim_size)] = (uint8_t)r->rim_size;
		memcpy(e + offsetof(struct policy_realm, rim), r->rim, r->rim_size);
	}
	for (unsigned i = 0; i < src->num_channels; i++) {
		const struct policy_source_channel *c = &src->channels[i];
		uint8_t *e = b + l->channels + (size_t)i * sizeof(struct policy_channel);
		write_name(names, &next, c->name, e + offsetof(struct policy_channel, name_offset),
			   e + offsetof(struct policy_channel, name_len));
		e[offsetof(struct policy_channel, owner)] = (uint8_t)c->owner;
		put32(e + offsetof(struct policy_channel, pages), c->pages);
		memcpy(e + offsetof(struct policy_channel, perms), c->perms, POLICY_MAX_REALMS);
	}
}

int policy_compile(const struct policy_source *src, int self, uint8_t *blob, size_t cap, size_t *len,
		   struct policy_err *err)
{
	/* The parser wants its input 8-byte aligned; the caller's buffer may not be. */
	uint64_t aligned[POLICY_MAX_SIZE / 8];
	uint8_t *b = (uint8_t *)aligned;

	if (policy_source_validate(src, err) != 0)
		return -1;
	if (self == -1)
		self = src->self;
	if (self == -1)
		return policy_fail(err, "the source names no \"self\": say which realm the blob is for");
	if (self < 0 || self >= (int)src->num_realms)
		return policy_fail(err, "self %d is not a realm of the policy (it has %u)", self, src->num_realms);
	struct layout l = layout_of(src);
	if (cap < l.total)
		return policy_fail(err, "the blob is %zu bytes; the buffer holds %zu", l.total, cap);
	memset(aligned, 0, sizeof(aligned));
	write_header(src, (unsigned)self, &l, b);
	write_entries(src, &l, b);
	enum policy_blob_error e = policy_blob_check(b, l.total, NULL);
	if (e != POLICY_BLOB_OK)
		return policy_fail(err, "internal error: the compiled blob is refused: %s", policy_blob_strerror(e));
	memcpy(blob, b, l.total);
	*len = l.total;
	return 0;
}

int policy_blob_digest(const uint8_t *blob, size_t len, size_t digest_size, uint8_t digest[64])
{
	const EVP_MD *md = digest_size == 32 ? EVP_sha256() : digest_size == 64 ? EVP_sha512() : NULL;
	unsigned int n = 0;

	if (!md || (!blob && len))
		return -1;
	if (EVP_Digest(blob, len, digest, &n, md, NULL) != 1 || n != digest_size)
		return -1;
	return 0;
}

int policy_source_from_blob(const uint8_t *blob, size_t len, struct policy_source *out, struct policy_err *err)
{
	uint64_t aligned[POLICY_MAX_SIZE / 8 + 1];
	struct policy_view v;

	memset(out, 0, sizeof(*out));
	out->self = -1;
	/* Longer than a blob can be: refused for its size, like the monitor does. */
	size_t n = len < sizeof(aligned) ? len : sizeof(aligned);
	if (blob && n)
		memcpy(aligned, blob, n);
	enum policy_blob_error e = policy_blob_check(blob ? aligned : NULL, len, &v);
	if (e != POLICY_BLOB_OK)
		return policy_fail(err, "%s", policy_blob_strerror(e));
	out->num_realms = v.hdr->num_realms;
	out->num_channels = v.hdr->num_channels;
	out->self = v.hdr->self;
	out->host_calls = v.hdr->host_calls;
	out->strict = v.hdr->flags & POLICY_FLAG_STRICT;
	for (unsigned i = 0; i < out->num_realms; i++) {
		struct policy_source_realm *r = &out->realms[i];
		memcpy(r->name, policy_realm_name(&v, i), v.realms[i].name_len);
		r->rim_size = v.realms[i].rim_size;
		memcpy(r->rim, v.realms[i].rim, r->rim_size);
		r->gateway = v.realms[i].flags & POLICY_REALM_GATEWAY;
	}
	for (unsigned i = 0; i < out->num_channels; i++) {
		struct policy_source_channel *c = &out->channels[i];
		memcpy(c->name, policy_channel_name(&v, i), v.channels[i].name_len);
		c->owner = v.channels[i].owner;
		c->pages = v.channels[i].pages;
		memcpy(c->perms, v.channels[i].perms, POLICY_MAX_REALMS);
	}
	return 0;
}
