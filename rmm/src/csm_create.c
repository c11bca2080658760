/*
 * RMI_CSM_CREATE(rd, rec, csmd, meta, num_granules) -> X1 csm_id: the host answers a
 * REC's CREATE request (rsi_csm_create.c) by binding two DELEGATED granules
 * to it: csmd becomes the region's descriptor (CSMD) and meta its ACL and
 * member table (CSM_META, all empty but for the members the owner's policy
 * declares for the channel the request names, policy.h). The region is NEW and owned by the
 * realm of rec: it records the owner's RD, realm ID, RIM and hash algorithm,
 * the realm's RD gains an owner reference, and the REC learns which region
 * answers its request. The region's csm_id is fresh (csm_id.c). The host
 * then adds the pages; the REC's next entry tells the realm the outcome.
 *
 * All four granules are argument granules, locked as one set (granule.c).
 *
 * Failure conditions, in order:
 *   rd, rec, csmd, meta: align, bound, state (RD, REC, DELEGATED,
 *     DELEGATED), all distinct                                  ERROR_INPUT
 *   rec_owner: rec is not a REC of rd                            ERROR_INPUT
 *   rec_running: the REC runs on another CPU                     ERROR_REC
 *   rec_request: the REC's last exit is not a CREATE request,
 *     or a region is already bound to it                         ERROR_REC
 *   num_granules is not the number the REC asked for             ERROR_INPUT
 *   realm_state: the realm is not ACTIVE                         ERROR_REALM
 *   realm_regions: the realm already owns or maps
 *     CSM_MAX_REGIONS regions                                    ERROR_REALM
 *   realm_policy: the realm's policy (set by another REC since
 *     the request) does not allow the request                    ERROR_REALM
 *   machine_regions: the machine holds CSM_MAX_LIVE_REGIONS
 *     regions                                                    ERROR_REALM
 */
#include "csm.h"
#include "policy.h"
#include "realm.h"
#include "rec.h"
#include "rmi_handlers.h"

enum { L_RD, L_REC, L_CSMD, L_META, L_COUNT };

static uint64_t check_request(struct granule *g_rec, const struct rec *rec,
			      const struct rmi_csm_create_args *a)
{
	if (rec->owner_rd != a->rd_pa)
		return RMI_INPUT_ERROR;                  /* rec_owner */
	if (granule_refcount(g_rec) != 0)
		return RMI_REC_ERROR;                    /* rec_running */
	if (rec->last_exit != REC_LAST_EXIT_CSM_REQUEST || rec->csm_req_op != CSM_OP_CREATE ||
	    rec->csm_req_csmd != 0)
		return RMI_REC_ERROR;                    /* rec_request */
	if (rec->csm_req_arg != a->num_granules)
		return RMI_INPUT_ERROR;                  /* num_granules */
	return RMI_OK;
}

static uint64_t check_realm(const struct rd *rd, const struct rec *rec)
{
	if (__atomic_load_n(&rd->state, __ATOMIC_ACQUIRE) != REALM_STATE_ACTIVE)
		return RMI_REALM_ERROR(0);               /* realm_state */
	if (rd_csm_ref_count(rd) >= CSM_MAX_REGIONS)
		return RMI_REALM_ERROR(0);               /* realm_regions */
	if (policy_check_create(rd, rec->csm_req_arg, rec->csm_req_channel) != RSI_SUCCESS)
		return RMI_REALM_ERROR(0);               /* realm_policy */
	return RMI_OK;
}

static void init_csmd(struct csmd *csmd, const struct rd *rd, const struct rmi_csm_create_args *a,
		      uint64_t csm_id)
{
	csmd->csm_id = csm_id;
	csmd->num_granules = a->num_granules;
	csmd->meta_pa = a->meta_pa;
	csmd->state = CSM_STATE_NEW;
	csmd->flags = 0;
	csmd->generation = 0;
	csmd->mapped_members = 0;
	csmd->pages_present = 0;
	csmd->lists_present = 0;
	csmd->owner.rd_pa = a->rd_pa;
	__builtin_memcpy(csmd->owner.realm_id, rd->realm_id, sizeof(csmd->owner.realm_id));
	__builtin_memcpy(csmd->owner.rim, rd->rim, sizeof(csmd->owner.rim));
	csmd->owner.hash_algo = rd->hash_algo;
	/* slots[] and the CSM_META granule are zero: delegated granules are. */
}

uint64_t smc_csm_create(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_csm_create_args a = rmi_csm_create_args(x);
	struct granule_lock_req locks[L_COUNT] = {
		[L_RD] = { .pa = a.rd_pa, .expected = GRANULE_STATE_RD },
		[L_REC] = { .pa = a.rec_pa, .expected = GRANULE_STATE_REC },
		[L_CSMD] = { .pa = a.csmd_pa, .expected = GRANULE_STATE_DELEGATED },
		[L_META] = { .pa = a.meta_pa, .expected = GRANULE_STATE_DELEGATED },
	};
	uint64_t status;
	struct rec *rec;
	struct rd *rd;

	if (!granule_lock_set(locks, L_COUNT))
		return RMI_INPUT_ERROR;
	rec = rec_map(locks[L_REC].g);
	rd = rd_map(locks[L_RD].g);
	status = check_request(locks[L_REC].g, rec, &a);
	if (status == RMI_OK)
		status = check_realm(rd, rec);
	uint64_t csm_id = status == RMI_OK ? csm_id_next() : 0;
	if (status == RMI_OK && !csm_registry_add(csm_id, a.csmd_pa))
		status = RMI_REALM_ERROR(0);             /* machine_regions */
	if (status == RMI_OK) {
		struct csmd *csmd = csmd_map(locks[L_CSMD].g);

		init_csmd(csmd, rd, &a, csm_id);
		granule_unmap(csmd);
		struct csm_meta *meta = granule_map(locks[L_META].g);
		policy_rule_of_channel(rd, rec->csm_req_channel, &meta->rule);
		granule_unmap(meta);
		if (!rd_csm_ref_add(rd, csm_id, a.csmd_pa, RD_CSM_OWNER))
			plat_panic("csm_create: no free region reference after the check");
		rec->csm_req_csmd = a.csmd_pa;
		rec->csm_req_id = csm_id;
		res->x[1] = csm_id; /* not a secret: the host names the region by it later */
	}
	granule_unmap(rd);
	granule_unmap(rec);
	if (status == RMI_OK) {
		granule_unlock_transition(locks[L_CSMD].g, GRANULE_STATE_CSMD);
		granule_unlock_transition(locks[L_META].g, GRANULE_STATE_CSM_META);
	} else {
		granule_unlock(locks[L_CSMD].g);
		granule_unlock(locks[L_META].g);
	}
	granule_unlock(locks[L_REC].g);
	granule_unlock(locks[L_RD].g);
	return status;
}
