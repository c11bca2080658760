/*
 * RMI_CSM_DESTROY(csmd): the end of a region whose pages were all removed.
 * Its CSM_META, the list granules still there (lists that never got a page;
 * DATA_REMOVE releases a list with its last page) and the CSMD are scrubbed
 * and become DELEGATED, and the
 * owner's RD, if the owner still lives (the reference is validated: that
 * granule is an RD with the owner's realm ID), forgets the region. The
 * csm_id is never handed out again, so any reference left anywhere stays
 * invalid.
 *
 * Locks: {CSMD}, then CSM_META, then each list, then the owner's RD, one at
 * a time besides the CSMD (granule.c, rule 3).
 *
 * Failure conditions, in order:
 *   csmd: align, bound, state                                 ERROR_INPUT
 *   mapped: a realm maps the region                           ERROR_REALM
 *   pages: a page is still in the region                      ERROR_INPUT
 */
#include "csm_member.h"
#include "csm_pages.h"
#include "realm.h"
#include "rmi_handlers.h"

uint64_t smc_csm_destroy(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_csm_destroy_args a = rmi_csm_destroy_args(x);
	struct granule *g_csmd = granule_lock_expect(a.csmd_pa, GRANULE_STATE_CSMD);
	struct granule *g_meta, *g_owner;
	struct csmd *csmd;
	struct rd *rd;

	(void)res;
	if (!g_csmd)
		return RMI_INPUT_ERROR;
	csmd = csmd_map(g_csmd);
	if (csmd->mapped_members != 0 || csmd->pages_present != 0) {
		uint64_t status = csmd->mapped_members != 0 ? RMI_REALM_ERROR(0) : RMI_INPUT_ERROR;

		granule_unmap(csmd);
		granule_unlock(g_csmd);
		return status; /* mapped, pages */
	}
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: a region's CSM_META is not CSM_META");
	granule_unlock_delegated(g_meta);
	for (unsigned s = 0; csm_uses_lists(csmd) && s < csm_num_lists(csmd->num_granules); s++) {
		if (csmd->slots[s] == 0)
			continue;
		granule_unlock_delegated(granule_lock_owned(csmd->slots[s], GRANULE_STATE_CSM_LIST,
							    "csm: a region's list is not CSM_LIST"));
	}
	g_owner = rd_lock_valid(csmd->owner.rd_pa, csmd->owner.realm_id, &rd);
	if (g_owner) {
		rd_csm_ref_remove(rd, csmd->csm_id, RD_CSM_OWNER);
		rd_unlock(g_owner, rd);
	}
	csm_registry_remove(csmd->csm_id);
	granule_unmap(csmd);
	granule_unlock_delegated(g_csmd);
	return RMI_OK;
}
