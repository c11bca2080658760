/*
 * References between realms and regions (csm.h): an RD's list of the
 * regions it owns or maps, and the validation of a reference to a CSMD.
 */
#include "csm.h"
#include "realm.h"

bool rd_csm_ref_add(struct rd *rd, uint64_t csm_id, uint64_t csmd_pa, unsigned role)
{
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		struct rd_csm_ref *ref = &rd->csm_refs[i];

		if (ref->csm_id != 0)
			continue;
		ref->csm_id = csm_id;
		ref->csmd_pa = csmd_pa;
		ref->role = role;
		return true;
	}
	return false;
}

void rd_csm_ref_remove(struct rd *rd, uint64_t csm_id, unsigned role)
{
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		struct rd_csm_ref *ref = &rd->csm_refs[i];

		if (ref->csm_id == csm_id && ref->role == role)
			*ref = (struct rd_csm_ref){ 0 };
	}
}

uint64_t rd_csm_ref_find(const struct rd *rd, uint64_t csm_id, unsigned role)
{
	for (unsigned i = 0; i < CSM_MAX_REGIONS && csm_id != 0; i++)
		if (rd->csm_refs[i].csm_id == csm_id && rd->csm_refs[i].role == role)
			return rd->csm_refs[i].csmd_pa;
	return 0;
}

unsigned rd_csm_ref_count(const struct rd *rd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++)
		n += rd->csm_refs[i].csm_id != 0;
	return n;
}

bool rd_maps_regions(const struct rd *rd)
{
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++)
		if (rd->csm_refs[i].csm_id != 0 && rd->csm_refs[i].role == RD_CSM_MEMBER)
			return true;
	return false;
}

struct granule *csmd_lock_valid(uint64_t csmd_pa, uint64_t csm_id)
{
	struct granule *g = granule_lock_expect(csmd_pa, GRANULE_STATE_CSMD);
	struct csmd *csmd;
	bool same;

	if (!g)
		return NULL;
	csmd = csmd_map(g);
	same = csmd->csm_id == csm_id;
	granule_unmap(csmd);
	if (!same) {
		granule_unlock(g);
		return NULL;
	}
	return g;
}
