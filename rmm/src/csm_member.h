/*
 * Members of a region (csm_member.c): who may map it, who does, and the
 * stage-2 steps that map and unmap a member, at most one level-3 table
 * (512 pages, 2 MiB) per call.
 */
#ifndef RMM_CSM_MEMBER_H
#define RMM_CSM_MEMBER_H

#include "csm.h"
#include "realm.h"

static inline uint64_t csm_size(const struct csmd *csmd)
{
	return csmd->num_granules * GRANULE_SIZE;
}

/* The identity a realm presents to an ACL (read from its RD). */
struct csm_caller {
	uint64_t rd_pa;
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint8_t rim[64];
	uint8_t rpv[64];
	uint32_t hash_algo;
};
void csm_caller_of(const struct rd *rd, uint64_t rd_pa, struct csm_caller *c);

/* The RD at rd_pa, locked and mapped, if it still holds the realm realm_id
 * (a validated CSMD -> RD reference: realm IDs are never reused); NULL,
 * nothing held, otherwise. Release with rd_unlock. */
struct granule *rd_lock_valid(uint64_t rd_pa, const uint8_t realm_id[CAEC_REALM_ID_SIZE], struct rd **rd);
/* A member's RD, which lives while the member maps the region (REALM_DESTROY
 * refuses meanwhile): anything else is corrupt monitor state, a panic. */
struct granule *csm_lock_member_rd(const struct csm_member *mb, struct rd **rd);

/* The index of the member entry of realm c, or -1. */
int csm_member_find(const struct csm_meta *meta, const struct csm_caller *c);
/* The ACL entry admitting c with perms (CSM_ACL_OWNER for the region's owner,
 * who may always map it read/write), or -1: no entry matches, allows those
 * perms and has room for one more realm. */
int csm_acl_admits(const struct csmd *csmd, const struct csm_meta *meta, const struct csm_caller *c,
		   uint64_t perms);

/* Any ACL entry (not being revoked) names c, whatever its room and perms. */
bool csm_acl_lists(const struct csmd *csmd, const struct csm_meta *meta, const struct csm_caller *c);

/* The PA of page index (the CSMD is locked; lists are locked in turn). */
uint64_t csm_page_pa(const struct csmd *csmd, uint64_t index);

/* Maps the member's next step: [ipa, the end of ipa's level-3 table or of
 * the region) at base (page 0), with rd held. RMI_OK with *next set, or
 * ERROR_RTT(level) when the RTT is missing or an entry is not UNASSIGNED
 * with RIPAS EMPTY; nothing changes then. No TLB invalidation is needed
 * (the entries were not valid). */
uint64_t csm_map_step(struct rd *rd, const struct csmd *csmd, uint64_t base, uint64_t ipa, bool writable,
		      uint64_t *next);
/* Unmaps the step at ipa (up to the end of its table or top), leaving
 * UNASSIGNED entries of RIPAS ripas, with one TLB invalidation. RMI_OK, or
 * ERROR_RTT(level) if an entry there is not this region's page. */
uint64_t csm_unmap_step(struct rd *rd, const struct csmd *csmd, uint64_t base, uint64_t ipa, uint64_t top,
			unsigned ripas, uint64_t *next);

/* Removes member m (its last entry is gone): frees the slot, drops the RD's
 * member reference and the region's mapped count. */
void csm_member_remove(struct csmd *csmd, struct csm_meta *meta, int m, struct rd *rd);

#endif
