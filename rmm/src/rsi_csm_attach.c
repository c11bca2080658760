/*
 * RSI_CSM_ATTACH(csm_id, ipa, perms): the realm asks to map region csm_id
 * at ipa (page 0 there, the region's pages above it) with perms (READ,
 * optionally WRITE). The monitor checks that the region exists and that its
 * ACL admits the realm (or that the realm owns it), records the request and
 * exits to the host with the CSM request exit (gprs[0] = ATTACH, gprs[1] =
 * csm_id, gprs[2] = ipa, gprs[3] = perms). The host creates the RTTs the
 * range needs and calls RMI_CSM_MAP until the whole region is mapped; at the
 * REC's next entry the realm gets RSI_SUCCESS only if the monitor's record
 * says it is fully mapped, else RSI_ERROR_STATE (the host's entry registers
 * never decide). An unknown region and one whose ACL does not admit the
 * realm get the same answer, so a realm cannot probe for regions.
 *
 * Failure conditions, in order (before any exit):
 *   perms: no READ, or a bit outside READ | WRITE             ERROR_INPUT
 *   ipa not 4 KiB aligned                                     ERROR_INPUT
 *   the host did not opt in to CSM exits                       ERROR_STATE
 *   no live region csm_id, or its ACL does not admit the realm
 *     with perms (entries by RIM, RIM + RPV, realm ID, each up
 *     to its admit count), or a policy does not: the region's
 *     channel (its owner's policy) does not list the realm's RIM
 *     with perms, or the realm's own policy declares no channel
 *     of that owner and size naming it with perms (with strict;
 *     without, a region of an owner it declares nothing for is
 *     left to the ACL)                                         ERROR_INPUT
 *   [ipa, ipa + size) is not inside the protected IPA space    ERROR_INPUT
 *   the region is not ACTIVE, the realm already maps it, it
 *     measures with another hash algorithm than the owner, or
 *     it already owns or maps CSM_MAX_REGIONS regions          ERROR_STATE
 */
#include "checked_math.h"
#include "csm_member.h"
#include "policy.h"
#include "rsi_handlers.h"

struct attach_args {
	uint64_t csm_id, ipa, perms;
};

static struct attach_args decode(const struct smc_regs *regs)
{
	return (struct attach_args){ .csm_id = regs->x[1], .ipa = regs->x[2], .perms = regs->x[3] };
}

/* The caller's identity and whether it may ask at all (RSI status). */
static uint64_t caller_checks(const struct rec_run *run, struct csm_caller *c, unsigned *regions,
			      struct policy_copy *policy)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool exits = (rd->caec_flags & CAEC_REALM_CSM_EXITS) != 0;

	csm_caller_of(rd, run->rd_pa, c);
	*regions = rd_csm_ref_count(rd);
	policy_copy_of(rd, policy);
	rd_unlock(g_rd, rd);
	return exits ? RSI_SUCCESS : RSI_ERROR_STATE;
}

/* Checks the region under its lock; RSI status and its CSMD's PA. */
static uint64_t region_checks(const struct attach_args *a, const struct csm_caller *c, unsigned regions,
			      const struct policy_copy *policy, uint64_t protected_top, uint64_t *csmd_pa)
{
	struct granule *g, *g_meta;
	struct csmd *csmd;
	struct csm_meta *meta;
	uint64_t status = RSI_SUCCESS, top;

	*csmd_pa = csm_registry_find(a->csm_id);
	g = *csmd_pa ? csmd_lock_valid(*csmd_pa, a->csm_id) : NULL;
	if (!g)
		return RSI_ERROR_INPUT;
	csmd = csmd_map(g);
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	meta = granule_map(g_meta);
	uint64_t allowed = policy_rule_perms(&meta->rule, c->rim) &
			   policy_copy_attach_perms(policy, csmd->owner.rim, csmd->num_granules);
	if (csm_acl_admits(csmd, meta, c, a->perms) < 0 || (a->perms & ~allowed) != 0)
		status = RSI_ERROR_INPUT;
	else if (add_u64_overflows(a->ipa, csm_size(csmd), &top) || top > protected_top)
		status = RSI_ERROR_INPUT;
	else if (csmd->state != CSM_STATE_ACTIVE || csm_member_find(meta, c) >= 0 ||
		 c->hash_algo != csmd->owner.hash_algo || regions >= CSM_MAX_REGIONS)
		status = RSI_ERROR_STATE;
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
	return status;
}

enum rec_action rsi_csm_attach(struct rec_run *run, struct smc_regs *regs)
{
	struct attach_args a = decode(regs);
	struct csm_caller c;
	struct policy_copy policy;
	unsigned regions;
	uint64_t status, csmd_pa = 0;

	if (!(a.perms & CSM_PERM_READ) || (a.perms & ~(CSM_PERM_READ | CSM_PERM_WRITE)) ||
	    !is_aligned(a.ipa, GRANULE_SIZE))
		return rsi_return(regs, RSI_ERROR_INPUT);
	status = caller_checks(run, &c, &regions, &policy);
	if (status == RSI_SUCCESS)
		status = region_checks(&a, &c, regions, &policy, rec_run_protected_top(run), &csmd_pa);
	if (status != RSI_SUCCESS)
		return rsi_return(regs, status);
	rec_exit_begin(run, RMI_EXIT_CSM_REQUEST);
	run->exit.gprs[0] = CSM_OP_ATTACH;
	run->exit.gprs[1] = a.csm_id;
	run->exit.gprs[2] = a.ipa;
	run->exit.gprs[3] = a.perms;
	run->rec->csm_req_op = CSM_OP_ATTACH;
	run->rec->csm_req_arg = a.csm_id;
	run->rec->csm_req_ipa = a.ipa;
	run->rec->csm_req_perms = a.perms;
	run->rec->csm_req_csmd = csmd_pa;
	run->rec->csm_req_id = a.csm_id;
	run->rec->last_exit = REC_LAST_EXIT_CSM_REQUEST;
	return REC_EXIT;
}

bool rsi_csm_attach_completed(const struct rec_run *run)
{
	const struct rec *rec = run->rec;
	struct granule *g, *g_meta, *g_rd;
	struct csm_caller c;
	struct rd *rd;
	bool done = false;

	rd = rd_lock_owner(run->rd_pa, &g_rd);
	csm_caller_of(rd, run->rd_pa, &c);
	rd_unlock(g_rd, rd);
	g = csmd_lock_valid(rec->csm_req_csmd, rec->csm_req_id);
	if (!g)
		return false;
	struct csmd *csmd = csmd_map(g);
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	struct csm_meta *meta = granule_map(g_meta);
	int m = csm_member_find(meta, &c);
	done = m >= 0 && meta->members[m].state == CSM_MEMBER_MAPPED &&
	       meta->members[m].base_ipa == rec->csm_req_ipa;
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
	return done;
}
