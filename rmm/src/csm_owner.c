/*
 * The owner's side of a region, shared by the owner-only RSI commands
 * (GRANT, SEAL, later REVOKE): finding the caller's own region by csm_id.
 */
#include "csm_owner.h"
#include "realm.h"

struct granule *csm_lock_owned_region(uint64_t rd_pa, uint64_t csm_id, struct csmd **csmd)
{
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint64_t csmd_pa;
	struct granule *g_rd, *g;
	struct rd *rd;

	if (csm_id == 0)
		return NULL;
	/* The RD first, alone: a thread holding an RD never waits for a CSMD. */
	rd = rd_lock_owner(rd_pa, &g_rd);
	csmd_pa = rd_csm_ref_find(rd, csm_id, RD_CSM_OWNER);
	__builtin_memcpy(realm_id, rd->realm_id, sizeof(realm_id));
	rd_unlock(g_rd, rd);
	if (csmd_pa == 0)
		return NULL;
	/* Then the reference, validated: still that region, still ours. */
	g = csmd_lock_valid(csmd_pa, csm_id);
	if (!g)
		return NULL;
	*csmd = csmd_map(g);
	if ((*csmd)->owner.rd_pa != rd_pa ||
	    __builtin_memcmp((*csmd)->owner.realm_id, realm_id, sizeof(realm_id)) != 0) {
		granule_unmap(*csmd);
		granule_unlock(g);
		return NULL;
	}
	return g;
}

void csm_unlock_region(struct granule *g, struct csmd *csmd)
{
	granule_unmap(csmd);
	granule_unlock(g);
}
