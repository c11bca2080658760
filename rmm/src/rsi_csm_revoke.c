/*
 * RSI_CSM_REVOKE(csm_id, handle): the owner removes an ACL entry (the handle
 * GRANT returned: index and generation). From the first call the entry
 * admits nobody; every member it admitted is admitted again by another entry
 * with the member's current permissions if one has room, else unmapped: one
 * level-3 table per call (RSI_INCOMPLETE: call again with the same handle),
 * its entries left UNASSIGNED with RIPAS DESTROYED so the revoked realm's
 * next access aborts, and the member leaves the table. When no member
 * depends on the entry any more it is freed and the call succeeds. A handle
 * of an entry already freed (or never given) is stale. Revocation works on a
 * sealed region: membership can always shrink.
 *
 * Locks: the owner's RD alone (its reference), then CSMD, CSM_META, the
 * member's RD (a validated reference), its walk.
 *
 * Failure conditions, in order:
 *   the caller owns no region csm_id                       ERROR_INPUT
 *   stale handle: index >= 16, a free entry, or another
 *     generation                                           ERROR_INPUT
 */
#include "csm_member.h"
#include "csm_owner.h"
#include "rmi_status.h"
#include "rsi_handlers.h"

#define HANDLE_INDEX_MASK 0xffu

/* Unmaps one step of member m, which nothing admits any more; true when it
 * is gone. */
static bool revoke_step(struct csmd *csmd, struct csm_meta *meta, int m)
{
	struct csm_member *mb = &meta->members[m];
	struct rd *rd;
	struct granule *g_rd = csm_lock_member_rd(mb, &rd);
	uint64_t next;
	bool gone;

	mb->state = CSM_MEMBER_DETACHING;
	if (csm_unmap_step(rd, csmd, mb->base_ipa, mb->low_ipa, mb->next_ipa, RIPAS_DESTROYED, &next) != RMI_OK)
		plat_panic("csm_revoke: a member's mapping is not its region's");
	mb->low_ipa = next;
	gone = next == mb->next_ipa;
	if (gone)
		csm_member_remove(csmd, meta, m, rd);
	rd_unlock(g_rd, rd);
	return gone;
}

/* One call's work on entry e; RSI status. */
static uint64_t revoke(struct csmd *csmd, struct csm_meta *meta, unsigned e)
{
	meta->acl[e].revoking = 1;
	for (unsigned m = 0; m < CSM_MAX_MEMBERS; m++) {
		struct csm_member *mb = &meta->members[m];
		struct csm_caller c;
		int other;

		if (mb->state == CSM_MEMBER_FREE || mb->acl_index != e)
			continue;
		/* The RIM and RPV an entry may match are in the member's RD. */
		struct rd *rd;
		struct granule *g_rd = csm_lock_member_rd(mb, &rd);
		csm_caller_of(rd, mb->rd_pa, &c);
		rd_unlock(g_rd, rd);
		mb->acl_index = CSM_ACL_OWNER - 1; /* counted by no entry while re-admitted */
		other = csm_acl_admits(csmd, meta, &c, mb->perms);
		if (other >= 0 && other != (int)CSM_ACL_OWNER) {
			mb->acl_index = (uint16_t)other;
			continue;
		}
		mb->acl_index = (uint16_t)e;
		if (!revoke_step(csmd, meta, (int)m))
			return RSI_INCOMPLETE;
	}
	meta->acl[e] = (struct csm_acl_entry){ 0 };
	csmd->generation++;
	return RSI_SUCCESS;
}

enum rec_action rsi_csm_revoke(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t csm_id = regs->x[1], handle = regs->x[2];
	unsigned e = (unsigned)(handle & HANDLE_INDEX_MASK);
	struct granule *g, *g_meta;
	struct csmd *csmd;
	struct csm_meta *meta;
	uint64_t status = RSI_ERROR_INPUT;

	g = csm_lock_owned_region(run->rd_pa, csm_id, &csmd);
	if (!g)
		return rsi_return(regs, RSI_ERROR_INPUT);
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	meta = granule_map(g_meta);
	if (e < CSM_ACL_ENTRIES && meta->acl[e].kind != 0 &&
	    csm_acl_handle(e, meta->acl[e].generation) == handle)
		status = revoke(csmd, meta, e);
	granule_unmap(meta);
	granule_unlock(g_meta);
	csm_unlock_region(g, csmd);
	return rsi_return(regs, status);
}
