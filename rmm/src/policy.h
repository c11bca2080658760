/*
 * The monitor's side of communication policies (../shared/spec/caec-ext.md,
 * "Policy"): what a realm's policy, once RSI_POLICY_SET has frozen it in the
 * RD, allows that realm to do, and what a realm configured with
 * POLICY_REQUIRED may do before it has one (nothing that could leak).
 *
 * Every function takes the realm's RD locked. The blob in the RD was checked
 * when it was set (policy_blob_check); policy_view_of checks it again, which
 * costs little and means no function here trusts a stored offset.
 *
 * A region created under a declared channel carries that channel's members
 * in its CSM_META (struct csm_policy_rule): the realms' RIMs, cut to their
 * first 32 bytes (a 256-bit prefix of a SHA-512 measurement identifies a
 * realm as strongly as a SHA-256 one, and sixteen whole 64-byte RIMs do not
 * fit beside the ACL), and the permissions each may hold. Every MAP checks
 * the rule, whatever the ACL says, and whether the owner still lives.
 */
#ifndef RMM_POLICY_H
#define RMM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "csm.h"
#include "realm.h"
#include "abi/rsi.h"
#include "rmm/policy_blob.h"

#define POLICY_RULE_RIM_SIZE 32u

static inline bool rd_has_policy(const struct rd *rd)
{
	return rd->policy_len != 0;
}

/* POLICY_REQUIRED and no policy yet: every CSM call, host call and
 * unprotected access fails. */
static inline bool rd_policy_pending(const struct rd *rd)
{
	return (rd->caec_flags & CAEC_REALM_POLICY_REQUIRED) && !rd_has_policy(rd);
}

/* The checked view of the realm's policy; false without one. */
bool policy_view_of(const struct rd *rd, struct policy_view *v);

/* The realm may touch (and the host may map for it) unprotected memory:
 * not while its policy is pending, and with a policy only as a gateway. */
bool policy_allows_unprotected(const struct rd *rd);

/* The realm may make this host call (imm, gprs[0..n)). */
bool policy_allows_host_call(const struct rd *rd, uint64_t imm, const uint64_t *gprs, unsigned n);

/* RSI_CSM_CREATE under the realm's policy: channel is X3 (an index of the
 * blob, or POLICY_NO_CHANNEL). RSI status. */
uint64_t policy_check_create(const struct rd *rd, uint64_t num_granules, uint64_t channel);

/* The rule a region created under channel carries (rule->present false for
 * POLICY_NO_CHANNEL or a realm without a policy). */
void policy_rule_of_channel(const struct rd *rd, uint64_t channel, struct csm_policy_rule *rule);

/* The permissions rule gives a realm of RIM rim (hash size bytes), 0 for
 * none; a region without a rule: READ | WRITE. */
uint64_t policy_rule_perms(const struct csm_policy_rule *rule, const uint8_t *rim);

/* RSI_CSM_GRANT of identity (kind, value) with perms on a region whose rule
 * is rule, by its owner (has_policy: the owner has a policy; the RD is not
 * held: the CSMD is). RSI status. */
uint64_t policy_check_grant(bool has_policy, const struct csm_policy_rule *rule, uint64_t kind,
			    const uint8_t *value, uint64_t perms);

/* The most the realm's own policy lets it map of a region owned by a realm
 * of RIM owner_rim with num_granules pages: READ/WRITE bits; 0 if nothing.
 * A realm without a policy: READ | WRITE. A realm with a policy that
 * declares no channel with that owner naming it: 0 with strict, READ |
 * WRITE without. */
uint64_t policy_attach_perms(const struct rd *rd, const uint8_t *owner_rim, uint64_t num_granules);

/* A realm's policy copied out of its RD, for checks made once the RD is
 * released (a thread holding an RD never waits for a CSMD). */
struct policy_copy {
	uint32_t len;      /* 0: no policy */
	uint32_t hash_algo;
	uint64_t blob[POLICY_MAX_SIZE / 8];
};
void policy_copy_of(const struct rd *rd, struct policy_copy *out);
/* policy_attach_perms on a copy. */
uint64_t policy_copy_attach_perms(const struct policy_copy *p, const uint8_t *owner_rim, uint64_t num_granules);

#endif
