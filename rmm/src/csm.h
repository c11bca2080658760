/*
 * Confidential shared memory (the CAEC extension, ../shared/spec/caec-ext.md
 * revision 2): the objects the monitor keeps for a region and the
 * references between realms and regions.
 *
 * A region is a CSMD granule (its descriptor), a CSM_META granule (its ACL
 * and member table), CSM_DATA granules (its pages) and, for regions of more
 * than CSM_INLINE_PAGES pages, CSM_LIST granules listing the pages
 * (page i in list i / 512, entry i % 512). The CSMD owns the others: they
 * are reached only through it (lock order: CSMD, CSM_META, RDs in ascending
 * PA, RTTs root to leaf, CSM_LIST; a thread holding an RD never waits for a
 * CSMD, see granule.c).
 *
 * References are validated on every use, never trusted: an RD's reference
 * {csm_id, CSMD PA} is valid only while that granule is a CSMD with that
 * csm_id; a CSMD's owner reference {RD PA, realm ID} only while that
 * granule is an RD with that realm ID (realm IDs are never reused). An
 * invalid reference is treated as absent: a destroyed owner is noticed, not
 * followed.
 *
 * Life of a region: RSI_CSM_CREATE (the owner's REC asks, exits to the
 * host) -> RMI_CSM_CREATE (NEW, bound to the owner) -> RMI_CSM_LIST_ADD /
 * RMI_CSM_DATA_ADD (ACTIVE once every page is there; the owner's REC then
 * gets the csm_id) -> ... -> RMI_CSM_DATA_REMOVE (DYING from the first
 * removal; pages scrubbed) -> RMI_CSM_DESTROY (CSMD and CSM_META scrubbed).
 */
#ifndef RMM_CSM_H
#define RMM_CSM_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/caec_policy.h"
#include "granule.h"

#define CSM_STATE_NEW    1u /* bound to its owner, pages being added */
#define CSM_STATE_ACTIVE 2u /* every page present */
#define CSM_STATE_DYING  3u /* pages being removed: no new mapping */

#define CSMD_FLAG_OWNER_DESTROYED CAEC_REGION_FLAG_OWNER_DESTROYED
#define CSMD_FLAG_SEALED          CAEC_REGION_FLAG_SEALED

/* The owner as the region remembers it (the identity stays after the
 * owner's RD is gone). */
struct csm_owner {
	uint64_t rd_pa;
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint8_t rim[64];
	uint32_t hash_algo;
	uint32_t pad;
};

struct csmd {
	uint64_t csm_id;
	uint64_t num_granules;
	uint64_t meta_pa;
	uint32_t state;          /* CSM_STATE_* */
	uint32_t flags;          /* CSMD_FLAG_* */
	uint64_t generation;     /* +1 on every ACL or membership change */
	uint64_t mapped_members; /* members with at least one entry: pins the pages */
	uint64_t pages_present;  /* pages added and not removed */
	uint64_t lists_present;  /* list granules added and not released */
	struct csm_owner owner;
	/* Page PAs when num_granules <= CSM_INLINE_PAGES, else list PAs. */
	uint64_t slots[CSM_INLINE_PAGES];
};
_Static_assert(sizeof(struct csmd) <= GRANULE_SIZE, "the CSMD fits in its granule");

/* Member states (CSM_META). */
#define CSM_MEMBER_FREE      0u
#define CSM_MEMBER_ATTACHING 1u
#define CSM_MEMBER_MAPPED    2u
#define CSM_MEMBER_DETACHING 3u

struct csm_acl_entry {
	uint16_t kind;       /* CSM_IDENTITY_*, 0 = free */
	uint16_t perms;      /* READ | WRITE | admit count << 8 */
	uint32_t generation; /* the entry's; part of its handle */
	uint8_t value[CSM_IDENTITY_VALUE_SIZE];
	uint8_t revoking;    /* RSI_CSM_REVOKE under way: admits nobody */
	uint8_t pad[7];
};

/* A member's RIM, RPV and policy are read from its RD, which lives while
 * the member maps the region (REALM_DESTROY refuses meanwhile). */
struct csm_member {
	uint64_t rd_pa;
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint64_t base_ipa;   /* where the member maps page 0 */
	uint64_t low_ipa;    /* mapped: [low_ipa, next_ipa) */
	uint64_t next_ipa;
	uint16_t perms;      /* READ | WRITE, as mapped */
	uint16_t state;      /* CSM_MEMBER_* */
	uint16_t acl_index;  /* the ACL entry that admitted it, CSM_ACL_OWNER for the owner */
	uint16_t pad;
};
#define CSM_ACL_OWNER 0xffffu

/* The members the owner's policy declares for the region's channel
 * (policy.h), copied in at RMI_CSM_CREATE and checked at every MAP. */
struct csm_policy_rule {
	uint8_t present;   /* the region was created under a declared channel */
	uint8_t count;
	uint8_t pad[6];
	struct {
		uint8_t rim[32]; /* the RIM's first 32 bytes */
		uint8_t perms;   /* READ | WRITE */
	} members[POLICY_MAX_REALMS];
};

struct csm_meta {
	struct csm_acl_entry acl[CSM_ACL_ENTRIES];
	struct csm_member members[CSM_MAX_MEMBERS];
	struct csm_policy_rule rule;
};
_Static_assert(sizeof(struct csm_meta) <= GRANULE_SIZE, "CSM_META fits in its granule");

/* Pages per list granule, and the lists a region of n pages needs (0 when
 * its pages fit in the descriptor). */
static inline uint64_t csm_num_lists(uint64_t num_granules)
{
	return num_granules <= CSM_INLINE_PAGES ? 0
	       : (num_granules + CSM_LIST_ENTRIES - 1) / CSM_LIST_ENTRIES;
}

static inline struct csmd *csmd_map(struct granule *g)
{
	return (struct csmd *)granule_map(g);
}

/* Locks the granule at csmd_pa if it is the CSMD of region csm_id (the
 * validation of a reference); NULL, nothing held, otherwise. */
struct granule *csmd_lock_valid(uint64_t csmd_pa, uint64_t csm_id);

/* ---- csm_id.c: region identifiers ----
 * A keyed permutation of a counter: unpredictable (the key is drawn from the
 * platform's entropy at boot), never 0 or 1, and never the same twice while the
 * machine lives (a permutation maps distinct counters to distinct IDs). */
bool csm_ids_reset(void);
uint64_t csm_id_next(void); /* never 0 or 1 */

/* ---- csm_registry.c: live regions by csm_id ---- */
#define CSM_MAX_LIVE_REGIONS 1024u
void csm_registry_reset(void);
/* False when the machine already holds CSM_MAX_LIVE_REGIONS regions. */
bool csm_registry_add(uint64_t csm_id, uint64_t csmd_pa);
void csm_registry_remove(uint64_t csm_id);
/* Where region csm_id's CSMD was, 0 if nowhere: validate before use. */
uint64_t csm_registry_find(uint64_t csm_id);

#endif
