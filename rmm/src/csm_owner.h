/*
 * Owner-only region commands (csm_owner.c).
 */
#ifndef RMM_CSM_OWNER_H
#define RMM_CSM_OWNER_H

#include "csm.h"

/* The region csm_id that the realm at rd_pa owns, its CSMD locked and mapped;
 * NULL, nothing held, when the realm owns no such region (no reference, a
 * stale one, or a region whose owner is another realm). */
struct granule *csm_lock_owned_region(uint64_t rd_pa, uint64_t csm_id, struct csmd **csmd);
void csm_unlock_region(struct granule *g, struct csmd *csmd);

/* An ACL entry's handle: its index in the ACL and its generation. */
static inline uint64_t csm_acl_handle(unsigned index, uint32_t generation)
{
	return (uint64_t)generation << 8 | index;
}

#endif
