/*
 * RSI_CSM_GRANT(csm_id, ipa, perms) -> X1 handle: the owner of a region adds
 * an entry to its ACL: the identity record at ipa (caec-ext.md: u64 kind,
 * u8 value[128]; 1 = any realm whose RIM is value, 2 = the realm whose realm
 * ID is value[0..32), 3 = any realm whose RIM is value[0..64) and RPV
 * value[64..128)) may map the region with at most perms (READ, optionally
 * WRITE) and admit at most perms[15:8] realms (0 means 1). The record is
 * copied into the monitor once, then validated. The handle (entry index and
 * generation) names the entry for RSI_CSM_REVOKE; the region's generation
 * grows. On failure X1 is 0.
 *
 * Failure conditions, in order:
 *   ipa not 8-byte aligned, or the record crosses a granule   ERROR_INPUT
 *   perms: a bit outside READ | WRITE | admit count, or no
 *     READ                                                    ERROR_INPUT
 *   the record is not in the realm's private RAM (an
 *     unprotected IPA, RIPAS EMPTY, a CSM page)               ERROR_INPUT
 *     (protected RAM not mapped yet: a stage-2 data abort exit,
 *     and the call runs again at the next REC_ENTER)
 *   the record: an unknown kind, or a byte beyond the kind's
 *     value length (a RIM beyond the hash size) not zero       ERROR_INPUT
 *   the caller owns no region csm_id                          ERROR_INPUT
 *   the region is not ACTIVE (pages missing, or dying), or is
 *     sealed (or its owner destroyed)                         ERROR_STATE
 *   the owner has a policy and the region is for one of its
 *     channels: the identity is not a RIM (or RIM + RPV) of a
 *     realm the channel lists, or perms exceed the channel's  ERROR_INPUT
 *   the ACL is full (CSM_ACL_ENTRIES)                         ERROR_STATE
 */
#include "checked_math.h"
#include "csm_owner.h"
#include "measurement.h"
#include "policy.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

struct grant_args {
	uint64_t csm_id, ipa, perms;
};

static struct grant_args decode(const struct smc_regs *regs)
{
	return (struct grant_args){ .csm_id = regs->x[1], .ipa = regs->x[2], .perms = regs->x[3] };
}

static bool zero_from(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

/* A record is well formed for a region measured with hash_size bytes. */
static bool identity_valid(const struct csm_identity *id, size_t hash_size)
{
	switch (id->kind) {
	case CSM_IDENTITY_RIM:
		return zero_from(id->value, hash_size, CSM_IDENTITY_VALUE_SIZE);
	case CSM_IDENTITY_REALM_ID:
		return zero_from(id->value, CAEC_REALM_ID_SIZE, CSM_IDENTITY_VALUE_SIZE);
	case CSM_IDENTITY_RIM_RPV:
		return zero_from(id->value, hash_size, CSM_IDENTITY_VALUE_SIZE / 2);
	default:
		return false;
	}
}

static bool perms_valid(uint64_t perms)
{
	return (perms & ~CSM_PERM_VALID) == 0 && (perms & CSM_PERM_READ) != 0;
}

/* Adds the entry; RSI status. */
static uint64_t add_entry(struct csmd *csmd, const struct csm_identity *id, uint64_t perms, bool policy,
			  uint64_t *handle)
{
	struct granule *g_meta;
	struct csm_meta *meta;
	uint64_t status = RSI_ERROR_STATE; /* full */

	if ((csmd->flags & (CSMD_FLAG_SEALED | CSMD_FLAG_OWNER_DESTROYED)) || csmd->state != CSM_STATE_ACTIVE)
		return RSI_ERROR_STATE;
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	meta = granule_map(g_meta);
	if (policy_check_grant(policy, &meta->rule, id->kind, id->value, perms) != RSI_SUCCESS) {
		granule_unmap(meta);
		granule_unlock(g_meta);
		return RSI_ERROR_INPUT;
	}
	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++) {
		struct csm_acl_entry *e = &meta->acl[i];

		if (e->kind != 0)
			continue;
		e->kind = (uint16_t)id->kind;
		e->perms = (uint16_t)perms;
		e->generation = (uint32_t)(++csmd->generation);
		__builtin_memcpy(e->value, id->value, sizeof(e->value));
		*handle = csm_acl_handle(i, e->generation);
		status = RSI_SUCCESS;
		break;
	}
	granule_unmap(meta);
	granule_unlock(g_meta);
	return status;
}

static enum rec_action grant_fails(struct smc_regs *regs, uint64_t status)
{
	regs->x[1] = 0;
	return rsi_return(regs, status);
}

enum rec_action rsi_csm_grant(struct rec_run *run, struct smc_regs *regs)
{
	struct grant_args a = decode(regs);
	struct csm_identity id;
	enum realm_mem_status st;
	struct granule *g;
	struct csmd *csmd;
	uint64_t status, handle = 0;
	int level;

	if (!is_aligned(a.ipa, 8) || (a.ipa & (GRANULE_SIZE - 1)) + sizeof(id) > GRANULE_SIZE)
		return grant_fails(regs, RSI_ERROR_INPUT);
	if (!perms_valid(a.perms))
		return grant_fails(regs, RSI_ERROR_INPUT);
	st = realm_mem_read(run->rd_pa, a.ipa, &id, sizeof(id), &level);
	if (st == REALM_MEM_UNMAPPED)
		return rsi_unmapped(run, a.ipa, level);
	if (st != REALM_MEM_OK || !identity_valid(&id, measurement_hash_size(run->hash_algo)))
		return grant_fails(regs, RSI_ERROR_INPUT);
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool policy = rd_has_policy(rd); /* set once: it cannot go away */
	rd_unlock(g_rd, rd);
	g = csm_lock_owned_region(run->rd_pa, a.csm_id, &csmd);
	if (!g)
		return grant_fails(regs, RSI_ERROR_INPUT);
	status = add_entry(csmd, &id, a.perms, policy, &handle);
	csm_unlock_region(g, csmd);
	regs->x[1] = status == RSI_SUCCESS ? handle : 0;
	return rsi_return(regs, status);
}
