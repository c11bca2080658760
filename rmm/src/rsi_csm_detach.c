/*
 * RSI_CSM_DETACH(csm_id): the realm stops mapping a region. The monitor
 * unmaps it, one level-3 table per call (RSI_INCOMPLETE: call again), leaving
 * UNASSIGNED entries of RIPAS EMPTY so the realm may use the range again;
 * the call that removes the last entry takes the realm out of the member
 * table and exits to the host with the CSM request exit (gprs[0] = DETACHED,
 * gprs[1] = csm_id), so the host can reclaim the region once nobody maps it.
 * At the next entry the realm gets RSI_SUCCESS.
 *
 * Locks: the realm's RD alone (its reference), then CSMD, CSM_META, the RD
 * again, the walk.
 *
 * Failure conditions, in order:
 *   the realm does not map region csm_id (no member reference,
 *     or a stale one)                                       ERROR_INPUT
 */
#include "csm_member.h"
#include "rmi_status.h"
#include "rsi_handlers.h"

/* The region's CSMD the realm maps, from its member reference; 0 if none. */
static uint64_t member_ref(uint64_t rd_pa, uint64_t csm_id)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(rd_pa, &g_rd);
	uint64_t pa = rd_csm_ref_find(rd, csm_id, RD_CSM_MEMBER);

	rd_unlock(g_rd, rd);
	return pa;
}

/* One step; RSI_SUCCESS when the last entry went, RSI_INCOMPLETE, or an error. */
static uint64_t detach_step(struct rec_run *run, struct csmd *csmd, struct csm_meta *meta)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	struct csm_caller c;
	uint64_t status = RSI_ERROR_INPUT, next;
	int m;

	csm_caller_of(rd, run->rd_pa, &c);
	m = csm_member_find(meta, &c);
	if (m >= 0) {
		struct csm_member *mb = &meta->members[m];

		mb->state = CSM_MEMBER_DETACHING;
		if (csm_unmap_step(rd, csmd, mb->base_ipa, mb->low_ipa, mb->next_ipa, RIPAS_EMPTY, &next) != RMI_OK)
			plat_panic("csm_detach: a member's mapping is not its region's");
		mb->low_ipa = next;
		status = RSI_INCOMPLETE;
		if (next == mb->next_ipa) {
			csm_member_remove(csmd, meta, m, rd);
			status = RSI_SUCCESS;
		}
	}
	rd_unlock(g_rd, rd);
	return status;
}

enum rec_action rsi_csm_detach(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t csm_id = regs->x[1];
	uint64_t csmd_pa = member_ref(run->rd_pa, csm_id);
	struct granule *g = csmd_pa ? csmd_lock_valid(csmd_pa, csm_id) : NULL;
	struct granule *g_meta;
	struct csmd *csmd;
	struct csm_meta *meta;
	uint64_t status;

	if (!g)
		return rsi_return(regs, RSI_ERROR_INPUT);
	csmd = csmd_map(g);
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	meta = granule_map(g_meta);
	status = detach_step(run, csmd, meta);
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
	if (status != RSI_SUCCESS)
		return rsi_return(regs, status);
	rec_exit_begin(run, RMI_EXIT_CSM_REQUEST);
	run->exit.gprs[0] = CSM_OP_DETACHED;
	run->exit.gprs[1] = csm_id;
	run->rec->csm_req_op = CSM_OP_DETACHED;
	run->rec->csm_req_arg = csm_id;
	run->rec->csm_req_ipa = 0;
	run->rec->csm_req_perms = 0;
	run->rec->csm_req_csmd = 0;
	run->rec->csm_req_id = csm_id;
	run->rec->last_exit = REC_LAST_EXIT_CSM_REQUEST;
	return REC_EXIT;
}
