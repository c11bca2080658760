/*
 * RSI_CSM_CREATE(num_granules, flags, channel): the realm asks for a new
 * region of num_granules zeroed pages that it will own. channel names the
 * channel of the realm's policy the region is for (its index in the blob),
 * or is POLICY_NO_CHANNEL; without a policy it is ignored. A region for a
 * channel carries the channel's members (policy.h), checked at every MAP. The monitor cannot allocate
 * memory itself, so the REC exits to the host with the CSM request exit
 * (exit_reason 0x80, gprs[0] = CREATE, gprs[1] = num_granules; every other
 * field zero). The host delegates granules, binds a CSMD and a CSM_META to
 * the request with RMI_CSM_CREATE and adds every page (RMI_CSM_DATA_ADD,
 * after RMI_CSM_LIST_ADD for large regions), then enters the REC again.
 *
 * On that entry the realm gets X0 = RSI_SUCCESS and X1 = the csm_id when the
 * monitor's records say the host bound a region to this very request and
 * every page is present; otherwise RSI_ERROR_STATE (a host that did nothing,
 * or half of it). The answer never comes from the host's entry registers.
 * The request is then forgotten: it belongs to one REC and one entry.
 *
 * Failure conditions, in order (before any exit):
 *   num_granules 0 or above CSM_MAX_GRANULES                 ERROR_INPUT
 *   flags not 0 (reserved)                                   ERROR_INPUT
 *   (POLICY_REQUIRED and no policy yet: ERROR_STATE before all of
 *   these, for every CSM call but CSM_VERSION; rsi.c)
 *   the realm's policy: channel not one of its channels, not
 *     owned by the realm, or of another size; or no channel
 *     when the policy is strict                               ERROR_INPUT
 *   the host did not opt in to CSM exits (RMI_CAEC_REALM_CONFIG
 *     CSM_EXITS): an unmodified host never sees exit 0x80    ERROR_STATE
 *   the realm already owns or maps CSM_MAX_REGIONS regions   ERROR_STATE
 */
#include "csm.h"
#include "policy.h"
#include "realm.h"
#include "rsi_handlers.h"

struct csm_create_args {
	uint64_t num_granules, flags, channel;
};

static struct csm_create_args decode(const struct smc_regs *regs)
{
	return (struct csm_create_args){ .num_granules = regs->x[1], .flags = regs->x[2], .channel = regs->x[3] };
}

enum rec_action rsi_csm_create(struct rec_run *run, struct smc_regs *regs)
{
	struct csm_create_args a = decode(regs);
	struct granule *g_rd;
	struct rd *rd;
	bool exits, room;
	uint64_t allowed;

	if (a.num_granules == 0 || a.num_granules > CSM_MAX_GRANULES || a.flags != 0)
		return rsi_return(regs, RSI_ERROR_INPUT);
	rd = rd_lock_owner(run->rd_pa, &g_rd);
	allowed = policy_check_create(rd, a.num_granules, a.channel);
	exits = (rd->caec_flags & CAEC_REALM_CSM_EXITS) != 0;
	room = rd_csm_ref_count(rd) < CSM_MAX_REGIONS;
	rd_unlock(g_rd, rd);
	if (allowed != RSI_SUCCESS)
		return rsi_return(regs, allowed);
	if (!exits || !room)
		return rsi_return(regs, RSI_ERROR_STATE);
	rec_exit_begin(run, RMI_EXIT_CSM_REQUEST);
	run->exit.gprs[0] = CSM_OP_CREATE;
	run->exit.gprs[1] = a.num_granules;
	run->rec->csm_req_op = CSM_OP_CREATE;
	run->rec->csm_req_arg = a.num_granules;
	run->rec->csm_req_ipa = 0;
	run->rec->csm_req_perms = 0;
	run->rec->csm_req_csmd = 0;
	run->rec->csm_req_id = 0;
	run->rec->csm_req_channel = a.channel;
	run->rec->last_exit = REC_LAST_EXIT_CSM_REQUEST;
	return REC_EXIT;
}

/* CREATE: the region bound to the request is still that region, owned by
 * this realm, and complete. */
static bool create_completed(const struct rec_run *run)
{
	const struct rec *rec = run->rec;
	struct granule *g;
	struct csmd *csmd;
	bool done;

	if (rec->csm_req_csmd == 0)
		return false;
	g = csmd_lock_valid(rec->csm_req_csmd, rec->csm_req_id);
	if (!g)
		return false;
	csmd = csmd_map(g);
	done = csmd->state == CSM_STATE_ACTIVE && csmd->owner.rd_pa == run->rd_pa &&
	       csmd->num_granules == rec->csm_req_arg;
	granule_unmap(csmd);
	granule_unlock(g);
	return done;
}

void rsi_csm_request_complete(struct rec_run *run)
{
	struct rec *rec = run->rec;

	rec->gprs[0] = RSI_ERROR_STATE;
	if (rec->csm_req_op == CSM_OP_CREATE && create_completed(run)) {
		rec->gprs[0] = RSI_SUCCESS;
		rec->gprs[1] = rec->csm_req_id;
	} else if (rec->csm_req_op == CSM_OP_ATTACH && rsi_csm_attach_completed(run)) {
		rec->gprs[0] = RSI_SUCCESS;
	} else if (rec->csm_req_op == CSM_OP_DETACHED) {
		rec->gprs[0] = RSI_SUCCESS; /* the monitor unmapped it before the exit */
	}
	rec->csm_req_op = 0;
	rec->csm_req_arg = 0;
	rec->csm_req_ipa = 0;
	rec->csm_req_perms = 0;
	rec->csm_req_csmd = 0;
	rec->csm_req_id = 0;
	rec->csm_req_channel = POLICY_NO_CHANNEL;
}
