/*
 * Realms: the Realm Descriptor (RD) kept in the realm's RD granule.
 *
 * The RD holds everything the monitor knows about a realm: its lifecycle
 * state, the parameters fixed at REALM_CREATE (IPA width, RTT geometry, VMID,
 * hash algorithm, RPV), the measurements, and the index the next REC must
 * have. It lives in Realm-PAS memory, so the host never sees it; it is read
 * and written only while the RD granule is locked. The RD granule's refcount
 * is the number of RECs of the realm.
 */
#ifndef RMM_REALM_H
#define RMM_REALM_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/caec_policy.h"
#include "abi/rmi.h"
#include "granule.h"
#include "measurement.h"

#define REALM_MIN_IPA_BITS 32u
#define REALM_MAX_IPA_BITS 48u
#define REALM_MAX_ROOT_RTTS 16u
#define REALM_NUM_REMS 4u

struct rd {
	uint32_t state;          /* REALM_STATE_* */
	uint32_t hash_algo;      /* RMI_HASH_* */
	uint32_t ipa_bits;       /* s2sz */
	int32_t rtt_level_start;
	uint32_t rtt_num_start;
	uint16_t vmid;
	uint16_t pad;
	uint64_t rtt_base;
	uint64_t rec_count;      /* RECs created so far = MPIDR index of the next */
	uint64_t flags;
	uint64_t sve_vl;
	uint64_t num_bps;
	uint64_t num_wps;
	uint64_t pmu_num_ctrs;
	uint8_t rim[MEASUREMENT_SLOT_SIZE];
	uint8_t rem[REALM_NUM_REMS][MEASUREMENT_SLOT_SIZE];
	uint8_t rpv[RMI_RPV_SIZE];
	/* The CAEC extension. realm_id: 32 random bytes drawn at REALM_CREATE,
	 * the realm's identity beside its measurements (claim 65001). */
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint64_t caec_flags;     /* RMI_CAEC_REALM_CONFIG's, measured (claim 65004) */
	bool caec_configured;    /* RMI_CAEC_REALM_CONFIG was called */
	bool rim_extended;       /* a DATA, RIPAS or REC step extended the RIM */
	/* The regions this realm owns or maps (csm.h: valid only while the
	 * CSMD at csmd_pa has that csm_id). csm_id 0: a free slot. */
	struct rd_csm_ref {
		uint64_t csm_id;
		uint64_t csmd_pa;
		uint32_t role;       /* RD_CSM_OWNER / RD_CSM_MEMBER */
		uint32_t pad;
	} csm_refs[CSM_MAX_REGIONS];
	/* Bytes of unprotected IPA space mapped (ASSIGNED_NS, any level):
	 * RSI_POLICY_SET needs none. Folding and unfolding keep it. */
	uint64_t ns_mapped;
	/* The communication policy (policy.h), uploaded once by RSI_POLICY_SET
	 * and checked then; policy_len 0: none. policy_digest is claim 65003. */
	uint32_t policy_len;
	uint32_t policy_pad;
	uint8_t policy_digest[MEASUREMENT_SLOT_SIZE];
	uint64_t policy_blob[POLICY_MAX_SIZE / 8];
};
#define RD_CSM_OWNER  0u
#define RD_CSM_MEMBER 1u
_Static_assert(sizeof(struct rd) <= GRANULE_SIZE, "the RD fits in its granule");

/* Called by every command that extends the RIM after REALM_CREATE:
 * RMI_CAEC_REALM_CONFIG must come before all of them. */
static inline void rd_rim_extended(struct rd *rd)
{
	rd->rim_extended = true;
}

/* Region references (csm_refs.c). add: false when all slots are taken. */
bool rd_csm_ref_add(struct rd *rd, uint64_t csm_id, uint64_t csmd_pa, unsigned role);
void rd_csm_ref_remove(struct rd *rd, uint64_t csm_id, unsigned role);
unsigned rd_csm_ref_count(const struct rd *rd);
/* The CSMD PA of the reference (csm_id, role), 0 if the RD holds none. */
uint64_t rd_csm_ref_find(const struct rd *rd, uint64_t csm_id, unsigned role);
bool rd_maps_regions(const struct rd *rd); /* any member reference */

/* IPA space: [0, protected_top) is protected, [protected_top, ipa_top) is
 * its unprotected alias. */
static inline uint64_t rd_ipa_top(const struct rd *rd)
{
	return UINT64_C(1) << rd->ipa_bits;
}

static inline uint64_t rd_protected_top(const struct rd *rd)
{
	return UINT64_C(1) << (rd->ipa_bits - 1);
}

static inline bool rd_ipa_is_protected(const struct rd *rd, uint64_t ipa)
{
	return ipa < rd_protected_top(rd);
}

/* RTT geometry checks shared by REALM_CREATE and its tests: the number of
 * concatenated starting-level tables an IPA width needs at a start level, or
 * 0 when that start level cannot translate that width. */
unsigned realm_root_rtt_count(unsigned ipa_bits, long level_start);

/* VMIDs of live realms (vmid.c): the only monitor state outside the granule
 * array, a lock-free bitmap. */
bool vmid_reserve(uint16_t vmid);
void vmid_release(uint16_t vmid);
void vmid_reset_all(void);

/* Maps the RD of a locked RD granule (unmap with granule_unmap). */
static inline struct rd *rd_map(struct granule *g_rd)
{
	return (struct rd *)granule_map(g_rd);
}

/* Locks and maps the RD of a realm through one of its RECs (rd_pa is the
 * REC's owner_rd): the RD outlives its RECs, so it is there to be found. */
struct rd *rd_lock_owner(uint64_t rd_pa, struct granule **g_rd);
/* Unmaps and unlocks an RD. */
void rd_unlock(struct granule *g_rd, struct rd *rd);

#endif
