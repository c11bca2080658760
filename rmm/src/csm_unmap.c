/*
 * RMI_CSM_UNMAP(rd, csmd, ipa) -> X1 next IPA: the host removes a member's
 * mapping of a region, one level-3 table per call, from the lowest mapped
 * IPA upwards (the host may always do this; the realm then gets synchronous
 * external aborts there: the entries become UNASSIGNED with RIPAS
 * DESTROYED). One TLB invalidation per call. When the member's last entry is
 * gone it leaves the member table, its RD drops the reference and the
 * region's mapped count (which pins the pages) falls; X1 is then the member's
 * old next IPA. A member still ATTACHING can be unmapped as well (the host
 * gave up half-way).
 *
 * Locks: CSMD, then CSM_META, then the RD, then the walk and lists.
 *
 * Failure conditions, in order (nothing changes on failure):
 *   csmd: align, bound, state                                  ERROR_INPUT
 *   rd: align, bound, state                                    ERROR_INPUT
 *   the realm does not map the region                          ERROR_INPUT
 *   ipa is not the lowest IPA the member still maps            ERROR_INPUT
 *   rtt: an entry of the step is not this region's page        ERROR_RTT(level)
 */
#include "csm_member.h"
#include "rmi_handlers.h"

static uint64_t unmap_step(struct csmd *csmd, struct csm_meta *meta, struct rd *rd, uint64_t rd_pa,
			   uint64_t ipa, struct rmi_result *res)
{
	struct csm_caller c;
	int index;
	uint64_t status, next;

	csm_caller_of(rd, rd_pa, &c);
	index = csm_member_find(meta, &c);
	if (index < 0)
		return RMI_INPUT_ERROR;
	struct csm_member *mb = &meta->members[index];
	if (ipa != mb->low_ipa || ipa >= mb->next_ipa)
		return RMI_INPUT_ERROR;
	status = csm_unmap_step(rd, csmd, mb->base_ipa, ipa, mb->next_ipa, RIPAS_DESTROYED, &next);
	if (status != RMI_OK)
		return status;
	mb->low_ipa = next;
	res->x[1] = next;
	if (next == mb->next_ipa)
		csm_member_remove(csmd, meta, index, rd);
	return RMI_OK;
}

uint64_t smc_csm_unmap(const uint64_t *x, struct rmi_result *res)
{
	uint64_t rd_pa = x[1], csmd_pa = x[2], ipa = x[3];
	struct granule *g_csmd = granule_lock_expect(csmd_pa, GRANULE_STATE_CSMD);
	struct granule *g_meta, *g_rd;
	struct csmd *csmd;
	struct csm_meta *meta;
	uint64_t status;

	if (!g_csmd)
		return RMI_INPUT_ERROR;
	csmd = csmd_map(g_csmd);
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	meta = granule_map(g_meta);
	res->x[1] = ipa;
	g_rd = granule_lock_expect(rd_pa, GRANULE_STATE_RD);
	if (!g_rd) {
		status = RMI_INPUT_ERROR;
	} else {
		struct rd *rd = rd_map(g_rd);
		status = unmap_step(csmd, meta, rd, rd_pa, ipa, res);
		rd_unlock(g_rd, rd);
	}
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g_csmd);
	return status;
}
