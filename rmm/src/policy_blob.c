/*
 * The policy blob parser (rmm/policy_blob.h). The checks run in the order
 * of the layout, so the first broken rule is the one reported; nothing is
 * read before the size that covers it has been checked.
 */
#include "rmm/policy_blob.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static bool bytes_equal(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '-';
}

/* A name at *next (the names are packed in order): its bytes well formed. */
static bool name_ok(const char *names, uint32_t names_size, uint16_t offset, uint8_t len, uint32_t *next)
{
	if (offset != *next || len == 0 || len > POLICY_NAME_MAX || (uint32_t)offset + len > names_size)
		return false;
	for (unsigned i = 0; i < len; i++)
		if (!name_char(names[offset + i]))
			return false;
	*next = (uint32_t)offset + len;
	return true;
}

static bool same_name(const char *names, uint16_t a, uint8_t alen, uint16_t b, uint8_t blen)
{
	return alen == blen && bytes_equal(names + a, names + b, alen);
}

static enum policy_blob_error check_header(const struct policy_header *h, size_t len)
{
	if (h->magic != POLICY_MAGIC)
		return POLICY_BLOB_E_MAGIC;
	if (h->version != POLICY_VERSION)
		return POLICY_BLOB_E_VERSION;
	if (h->total_size != len)
		return POLICY_BLOB_E_SIZE;
	if ((h->flags & ~POLICY_FLAGS_VALID) || h->host_calls > POLICY_HOST_CALLS_DOORBELL ||
	    !all_zero(h->reserved, sizeof(h->reserved)))
		return POLICY_BLOB_E_FLAGS;
	if (h->num_realms == 0 || h->num_realms > POLICY_MAX_REALMS || h->num_channels > POLICY_MAX_CHANNELS)
		return POLICY_BLOB_E_COUNT;
	if (h->self >= h->num_realms)
		return POLICY_BLOB_E_SELF;
	uint32_t realms = sizeof(struct policy_header);
	uint32_t channels = realms + (uint32_t)h->num_realms * sizeof(struct policy_realm);
	uint32_t names = channels + (uint32_t)h->num_channels * sizeof(struct policy_channel);
	if (h->header_size != sizeof(struct policy_header) || h->realms_offset != realms ||
	    h->channels_offset != channels || h->names_offset != names || names > len ||
	    h->names_size != len - names || (h->names_size & 7))
		return POLICY_BLOB_E_LAYOUT;
	return POLICY_BLOB_OK;
}

static enum policy_blob_error check_realms(const struct policy_view *v, uint32_t *next)
{
	const struct policy_header *h = v->hdr;

	for (unsigned i = 0; i < h->num_realms; i++) {
		const struct policy_realm *r = &v->realms[i];
		if ((r->flags & ~POLICY_REALM_FLAGS_VALID) || !all_zero(r->reserved, sizeof(r->reserved)))
			return POLICY_BLOB_E_FLAGS;
		if (!name_ok(v->names, h->names_size, r->name_offset, r->name_len, next))
			return POLICY_BLOB_E_NAME;
		if ((r->rim_size != 32 && r->rim_size != 64) || !all_zero(r->rim + r->rim_size, POLICY_RIM_SIZE - r->rim_size))
			return POLICY_BLOB_E_RIM;
		for (unsigned j = 0; j < i; j++) {
			const struct policy_realm *o = &v->realms[j];
			if (same_name(v->names, r->name_offset, r->name_len, o->name_offset, o->name_len) ||
			    (o->rim_size == r->rim_size && bytes_equal(o->rim, r->rim, r->rim_size)))
				return POLICY_BLOB_E_DUPLICATE;
		}
	}
	return POLICY_BLOB_OK;
}

static enum policy_blob_error check_channels(const struct policy_view *v, uint32_t *next)
{
	const struct policy_header *h = v->hdr;

	for (unsigned i = 0; i < h->num_channels; i++) {
		const struct policy_channel *c = &v->channels[i];
		if (!name_ok(v->names, h->names_size, c->name_offset, c->name_len, next))
			return POLICY_BLOB_E_NAME;
		if (c->owner >= h->num_realms || c->pages == 0 || c->pages > CSM_MAX_GRANULES)
			return POLICY_BLOB_E_CHANNEL;
		unsigned members = 0;
		for (unsigned k = 0; k < POLICY_MAX_REALMS; k++) {
			if (c->perms[k] & ~(CSM_PERM_READ | CSM_PERM_WRITE))
				return POLICY_BLOB_E_CHANNEL;
			if (c->perms[k] && k >= h->num_realms)
				return POLICY_BLOB_E_CHANNEL;
			members += c->perms[k] != 0;
		}
		if (members == 0)
			return POLICY_BLOB_E_CHANNEL;
		for (unsigned j = 0; j < i; j++) {
			const struct policy_channel *o = &v->channels[j];
			if (same_name(v->names, c->name_offset, c->name_len, o->name_offset, o->name_len))
				return POLICY_BLOB_E_DUPLICATE;
		}
	}
	return POLICY_BLOB_OK;
}

enum policy_blob_error policy_blob_check(const void *blob, size_t len, struct policy_view *view)
{
	const uint8_t *b = blob;
	enum policy_blob_error e;

	if (!blob || len < sizeof(struct policy_header) || len > POLICY_MAX_SIZE || ((uintptr_t)blob & 7))
		return POLICY_BLOB_E_SIZE;
	struct policy_view v = { .hdr = blob };
	if ((e = check_header(v.hdr, len)) != POLICY_BLOB_OK)
		return e;
	v.realms = (const struct policy_realm *)(b + v.hdr->realms_offset);
	v.channels = (const struct policy_channel *)(b + v.hdr->channels_offset);
	v.names = (const char *)(b + v.hdr->names_offset);
	uint32_t next = 0;
	if ((e = check_realms(&v, &next)) != POLICY_BLOB_OK || (e = check_channels(&v, &next)) != POLICY_BLOB_OK)
		return e;
	/* Only the padding to 8 bytes after the last name, and only zeros. */
	if (v.hdr->names_size - next >= 8 || !all_zero((const uint8_t *)v.names + next, v.hdr->names_size - next))
		return POLICY_BLOB_E_LAYOUT;
	if (view)
		*view = v;
	return POLICY_BLOB_OK;
}

const char *policy_blob_strerror(enum policy_blob_error e)
{
	switch (e) {
	case POLICY_BLOB_OK:
		return "a well-formed policy";
	case POLICY_BLOB_E_SIZE:
		return "the blob's size is wrong (under 32 bytes, over 2 KiB, or not its total_size)";
	case POLICY_BLOB_E_MAGIC:
		return "not a policy blob (no CPOL magic)";
	case POLICY_BLOB_E_VERSION:
		return "a policy blob version this monitor does not know";
	case POLICY_BLOB_E_LAYOUT:
		return "an offset or size other than the layout's";
	case POLICY_BLOB_E_FLAGS:
		return "an unknown flag, host_calls mode or reserved byte";
	case POLICY_BLOB_E_COUNT:
		return "no realm, or too many realms or channels";
	case POLICY_BLOB_E_SELF:
		return "self is not one of the policy's realms";
	case POLICY_BLOB_E_NAME:
		return "a name is malformed or out of place";
	case POLICY_BLOB_E_DUPLICATE:
		return "two realms or channels share a name, or two realms a RIM";
	case POLICY_BLOB_E_RIM:
		return "a RIM is not 32 or 64 bytes";
	case POLICY_BLOB_E_CHANNEL:
		return "a channel's owner, pages or members are wrong";
	}
	return "an unknown policy blob error";
}

int policy_find_realm(const struct policy_view *v, const uint8_t *rim, size_t size)
{
	for (unsigned i = 0; i < v->hdr->num_realms; i++)
		if (v->realms[i].rim_size == size && bytes_equal(v->realms[i].rim, rim, size))
			return (int)i;
	return -1;
}

int policy_find_channel(const struct policy_view *v, const char *name, size_t len)
{
	for (unsigned i = 0; i < v->hdr->num_channels; i++)
		if (v->channels[i].name_len == len && bytes_equal(policy_channel_name(v, i), name, len))
			return (int)i;
	return -1;
}
