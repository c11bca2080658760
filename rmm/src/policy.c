/*
 * What a realm's communication policy allows (policy.h).
 */
#include "policy.h"
#include "measurement.h"

static bool bytes_equal(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

bool policy_view_of(const struct rd *rd, struct policy_view *v)
{
	if (!rd_has_policy(rd))
		return false;
	if (policy_blob_check(rd->policy_blob, rd->policy_len, v) != POLICY_BLOB_OK)
		plat_panic("policy: the RD's policy no longer checks");
	return true;
}

bool policy_allows_unprotected(const struct rd *rd)
{
	struct policy_view v;

	if (rd_policy_pending(rd))
		return false;
	if (!policy_view_of(rd, &v))
		return true;
	return (v.realms[v.hdr->self].flags & POLICY_REALM_GATEWAY) != 0;
}

bool policy_allows_host_call(const struct rd *rd, uint64_t imm, const uint64_t *gprs, unsigned n)
{
	struct policy_view v;

	if (rd_policy_pending(rd))
		return false;
	if (!policy_view_of(rd, &v))
		return true;
	switch (v.hdr->host_calls) {
	case POLICY_HOST_CALLS_ALLOW:
		return true;
	case POLICY_HOST_CALLS_DOORBELL:
		if (imm != CAEC_HOST_CALL_DOORBELL_RING && imm != CAEC_HOST_CALL_DOORBELL_WAIT)
			return false;
		for (unsigned i = 0; i < n; i++)
			if (gprs[i] != 0)
				return false;
		return true;
	default:
		return false;
	}
}

/* The rule's copy of a RIM. */
static void rule_rim(uint8_t out[POLICY_RULE_RIM_SIZE], const uint8_t *rim)
{
	__builtin_memcpy(out, rim, POLICY_RULE_RIM_SIZE);
}

uint64_t policy_check_create(const struct rd *rd, uint64_t num_granules, uint64_t channel)
{
	struct policy_view v;

	if (!policy_view_of(rd, &v))
		return RSI_SUCCESS;
	if (channel == POLICY_NO_CHANNEL)
		return (v.hdr->flags & POLICY_FLAG_STRICT) ? RSI_ERROR_INPUT : RSI_SUCCESS;
	if (channel >= v.hdr->num_channels)
		return RSI_ERROR_INPUT;
	const struct policy_channel *c = &v.channels[channel];
	if (c->owner != v.hdr->self || c->pages != num_granules)
		return RSI_ERROR_INPUT;
	return RSI_SUCCESS;
}

void policy_rule_of_channel(const struct rd *rd, uint64_t channel, struct csm_policy_rule *rule)
{
	struct policy_view v;

	__builtin_memset(rule, 0, sizeof(*rule));
	if (!policy_view_of(rd, &v) || channel >= v.hdr->num_channels)
		return;
	const struct policy_channel *c = &v.channels[channel];
	rule->present = 1;
	for (unsigned i = 0; i < v.hdr->num_realms; i++) {
		if (!c->perms[i])
			continue;
		rule_rim(rule->members[rule->count].rim, v.realms[i].rim);
		rule->members[rule->count].perms = c->perms[i];
		rule->count++;
	}
}

uint64_t policy_rule_perms(const struct csm_policy_rule *rule, const uint8_t *rim)
{
	if (!rule->present)
		return CSM_PERM_READ | CSM_PERM_WRITE;
	for (unsigned i = 0; i < rule->count && i < POLICY_MAX_REALMS; i++)
		if (bytes_equal(rule->members[i].rim, rim, POLICY_RULE_RIM_SIZE))
			return rule->members[i].perms;
	return 0;
}

uint64_t policy_check_grant(bool has_policy, const struct csm_policy_rule *rule, uint64_t kind,
			    const uint8_t *value, uint64_t perms)
{
	uint64_t rw = perms & (CSM_PERM_READ | CSM_PERM_WRITE);

	if (!has_policy || !rule->present)
		return RSI_SUCCESS;
	/* A policy names realms by measurement: a realm ID it cannot name. */
	if (kind != CSM_IDENTITY_RIM && kind != CSM_IDENTITY_RIM_RPV)
		return RSI_ERROR_INPUT;
	uint64_t allowed = policy_rule_perms(rule, value);
	return allowed && (rw & ~allowed) == 0 ? RSI_SUCCESS : RSI_ERROR_INPUT;
}

static uint64_t attach_perms(const struct policy_view *vp, size_t size, const uint8_t *owner_rim,
			     uint64_t num_granules)
{
	const struct policy_view v = *vp;
	uint64_t perms = 0;
	bool declared = false;

	for (unsigned i = 0; i < v.hdr->num_channels; i++) {
		const struct policy_channel *c = &v.channels[i];
		const struct policy_realm *owner = &v.realms[c->owner];
		if (owner->rim_size != size || !bytes_equal(owner->rim, owner_rim, size))
			continue;
		declared = true;
		if (c->pages == num_granules)
			perms |= c->perms[v.hdr->self];
	}
	if (!declared && !(v.hdr->flags & POLICY_FLAG_STRICT))
		return CSM_PERM_READ | CSM_PERM_WRITE;
	return perms;
}

uint64_t policy_attach_perms(const struct rd *rd, const uint8_t *owner_rim, uint64_t num_granules)
{
	struct policy_view v;

	if (!policy_view_of(rd, &v))
		return CSM_PERM_READ | CSM_PERM_WRITE;
	return attach_perms(&v, measurement_hash_size(rd->hash_algo), owner_rim, num_granules);
}

void policy_copy_of(const struct rd *rd, struct policy_copy *out)
{
	out->len = rd->policy_len;
	out->hash_algo = rd->hash_algo;
	if (out->len)
		__builtin_memcpy(out->blob, rd->policy_blob, out->len);
}

uint64_t policy_copy_attach_perms(const struct policy_copy *p, const uint8_t *owner_rim, uint64_t num_granules)
{
	struct policy_view v;

	if (p->len == 0)
		return CSM_PERM_READ | CSM_PERM_WRITE;
	if (policy_blob_check(p->blob, p->len, &v) != POLICY_BLOB_OK)
		plat_panic("policy: a copy of the RD's policy no longer checks");
	return attach_perms(&v, measurement_hash_size(p->hash_algo), owner_rim, num_granules);
}
