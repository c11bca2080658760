/*
 * RMI_CSM_MAP(rd, rec, csmd, ipa) -> X1 next IPA: the host continues the
 * pending ATTACH of rec (rsi_csm_attach.c), one level-3 table (at most 512
 * pages) per call; the mapping is complete when X1 = base + size. The first
 * call (ipa = the IPA the realm asked for) re-checks, under the CSMD lock,
 * that the ACL and both policies (the region's channel, the realm's own)
 * still admit the realm with the perms it asked for (a policy set by
 * another REC since the request counts), and enters it in the member table
 * (ATTACHING; the realm's RD gains a member reference; the region's mapped
 * count, which pins its pages, grows). Each call maps [ipa, the end of ipa's
 * level-3 table or of the region) as ASSIGNED_CSM entries, read-only unless
 * the realm asked for and was granted WRITE; every entry there must be
 * UNASSIGNED with RIPAS EMPTY, so a region never covers the realm's own
 * memory. The last call makes the member MAPPED.
 *
 * Locks: CSMD, then CSM_META, then {RD, REC}, then the walk and lists. The
 * CSM_META is only ever reached through its CSMD, which is held.
 *
 * Failure conditions, in order (nothing changes on failure):
 *   csmd: align, bound, state                                  ERROR_INPUT
 *   rd, rec: align, bound, state (RD, REC)                     ERROR_INPUT
 *   rec_owner: rec is not a REC of rd                          ERROR_INPUT
 *   rec_running                                                ERROR_REC
 *   rec_request: the REC's last exit is not an ATTACH of this
 *     region (or it entered since)                             ERROR_REC
 *   ipa: not the request's IPA on the first call, not the
 *     member's next IPA after it                               ERROR_INPUT
 *   region: not ACTIVE (dying), or, on the first call, the ACL
 *     or a policy (the region's channel, the realm's own; see
 *     rsi_csm_attach.c) no longer admits the realm with the
 *     perms it asked for, or the realm holds CSM_MAX_REGIONS
 *     regions                                                  ERROR_INPUT
 *   rtt: no level-3 RTT for ipa, or an entry of the step not
 *     UNASSIGNED with RIPAS EMPTY                              ERROR_RTT(level)
 */
#include "csm_member.h"
#include "policy.h"
#include "rec.h"
#include "rmi_handlers.h"

struct map_ctx {
	struct csmd *csmd;
	struct csm_meta *meta;
	struct rd *rd;
	struct rec *rec;
	uint64_t rd_pa, csmd_pa, ipa;
};

static uint64_t check_rec(struct granule *g_rec, const struct map_ctx *m)
{
	const struct rec *rec = m->rec;

	if (rec->owner_rd != m->rd_pa)
		return RMI_INPUT_ERROR;                                  /* rec_owner */
	if (granule_refcount(g_rec) != 0)
		return RMI_REC_ERROR;                                    /* rec_running */
	if (rec->last_exit != REC_LAST_EXIT_CSM_REQUEST || rec->csm_req_op != CSM_OP_ATTACH ||
	    rec->csm_req_csmd != m->csmd_pa || rec->csm_req_id != m->csmd->csm_id)
		return RMI_REC_ERROR;                                    /* rec_request */
	return RMI_OK;
}

/* The member entry for this step (created on the first call); RMI status. */
static uint64_t member_for_step(struct map_ctx *m, int *index)
{
	struct csm_caller c;
	int acl;

	csm_caller_of(m->rd, m->rd_pa, &c);
	*index = csm_member_find(m->meta, &c);
	if (*index >= 0) {
		const struct csm_member *mb = &m->meta->members[*index];
		if (mb->state != CSM_MEMBER_ATTACHING || mb->next_ipa != m->ipa ||
		    mb->base_ipa != m->rec->csm_req_ipa)
			return RMI_INPUT_ERROR;                          /* ipa */
		return m->csmd->state == CSM_STATE_ACTIVE ? RMI_OK : RMI_INPUT_ERROR;
	}
	if (m->ipa != m->rec->csm_req_ipa)
		return RMI_INPUT_ERROR;                                  /* ipa */
	acl = csm_acl_admits(m->csmd, m->meta, &c, m->rec->csm_req_perms);
	uint64_t allowed = policy_rule_perms(&m->meta->rule, c.rim) &
			   policy_attach_perms(m->rd, m->csmd->owner.rim, m->csmd->num_granules);
	if (m->csmd->state != CSM_STATE_ACTIVE || acl < 0 || (m->rec->csm_req_perms & ~allowed) != 0 ||
	    rd_csm_ref_count(m->rd) >= CSM_MAX_REGIONS)
		return RMI_INPUT_ERROR;                                  /* region */
	for (int i = 0; i < (int)CSM_MAX_MEMBERS; i++) {
		if (m->meta->members[i].state == CSM_MEMBER_FREE) {
			*index = i;
			return RMI_OK;
		}
	}
	return RMI_INPUT_ERROR; /* no free member slot: the ACL admits at most 16 realms */
}

static uint64_t map_step(struct map_ctx *m, struct rmi_result *res)
{
	int index;
	uint64_t status = member_for_step(m, &index), next;
	uint64_t perms = m->rec->csm_req_perms;

	if (status != RMI_OK)
		return status;
	struct csm_member *mb = &m->meta->members[index];
	bool first = mb->state == CSM_MEMBER_FREE;
	status = csm_map_step(m->rd, m->csmd, m->rec->csm_req_ipa, m->ipa, (perms & CSM_PERM_WRITE) != 0, &next);
	if (status != RMI_OK)
		return status;
	if (first) {
		struct csm_caller c;

		csm_caller_of(m->rd, m->rd_pa, &c);
		*mb = (struct csm_member){
			.rd_pa = m->rd_pa,
			.base_ipa = m->ipa,
			.low_ipa = m->ipa,
			.perms = (uint16_t)perms,
			.state = CSM_MEMBER_ATTACHING,
			.acl_index = (uint16_t)csm_acl_admits(m->csmd, m->meta, &c, perms),
		};
		__builtin_memcpy(mb->realm_id, c.realm_id, sizeof(mb->realm_id));
		if (!rd_csm_ref_add(m->rd, m->csmd->csm_id, m->csmd_pa, RD_CSM_MEMBER))
			plat_panic("csm_map: no free region reference after the check");
		m->csmd->mapped_members++;
		m->csmd->generation++;
	}
	mb->next_ipa = next;
	if (next == mb->base_ipa + csm_size(m->csmd))
		mb->state = CSM_MEMBER_MAPPED;
	res->x[1] = next;
	return RMI_OK;
}

uint64_t smc_csm_map(const uint64_t *x, struct rmi_result *res)
{
	struct map_ctx m = { .rd_pa = x[1], .csmd_pa = x[3], .ipa = x[4] };
	struct granule *g_csmd = granule_lock_expect(m.csmd_pa, GRANULE_STATE_CSMD);
	struct granule_lock_req locks[2] = {
		{ .pa = x[1], .expected = GRANULE_STATE_RD },
		{ .pa = x[2], .expected = GRANULE_STATE_REC },
	};
	struct granule *g_meta;
	uint64_t status;

	if (!g_csmd)
		return RMI_INPUT_ERROR;
	m.csmd = csmd_map(g_csmd);
	g_meta = granule_lock_owned(m.csmd->meta_pa, GRANULE_STATE_CSM_META, "csm: CSM_META is not CSM_META");
	m.meta = granule_map(g_meta);
	res->x[1] = m.ipa;
	if (!granule_lock_set(locks, 2)) {
		status = RMI_INPUT_ERROR;
	} else {
		m.rd = rd_map(locks[0].g);
		m.rec = rec_map(locks[1].g);
		status = check_rec(locks[1].g, &m);
		if (status == RMI_OK)
			status = map_step(&m, res);
		granule_unmap(m.rec);
		granule_unmap(m.rd);
		granule_unlock_set(locks, 2);
	}
	granule_unmap(m.meta);
	granule_unlock(g_meta);
	granule_unmap(m.csmd);
	granule_unlock(g_csmd);
	return status;
}
