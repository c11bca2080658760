/*
 * SMCs from a realm: RSI commands, PSCI, SMCCC_VERSION; everything else is
 * answered SMC_UNKNOWN and the realm continues.
 *
 * The realm's X0..X17 are copied into a struct smc_regs for the handler and
 * copied back when the call returns to the realm, so registers a handler does
 * not write keep their values (SMCCC: X4 and up are preserved unless the call
 * returns results in them).
 *
 * A POLICY_REQUIRED realm's CSM calls (all but CSM_VERSION and POLICY_SET)
 * fail with ERROR_STATE until it has set its policy (policy.h).
 *
 * A call that needs realm memory the host has not mapped yet exits with a
 * stage-2 data abort instead (rsi_unmapped). On hardware the monitor would
 * then leave ELR_EL2 at the SMC, so the realm executes it again when the REC
 * next runs; here the next REC_ENTER runs the call again from the REC's
 * saved registers before the realm runs (rsi_retry). The realm cannot tell
 * the two apart: it has not run in between, and the host cannot change its
 * registers.
 */
#include "attest.h"
#include "policy.h"
#include "rsi_handlers.h"

#define RSI_FID_FIRST SMC64_STD_FID(0x190)
#define RSI_FID_LAST  SMC64_STD_FID(0x1AF)

/* PSCI owns SMC32 0x84000000..0x8400001F and SMC64 0xC4000000..0xC400001F. */
#define PSCI_FID_MASK  UINT64_C(0xBFFFFFE0)
#define PSCI_FID_BASE  UINT64_C(0x84000000)

/* The CAEC extension's RSI range (abi/caec.h). */

/* SMCCC v1.2 (abi/smc.h). */
#define SMCCC_VERSION_1_2 UINT64_C(0x10002)

typedef enum rec_action (*rsi_handler_fn)(struct rec_run *run, struct smc_regs *regs);

#define CMD(fid, fn) [(fid) - RSI_FID_FIRST] = fn

static const rsi_handler_fn rsi_commands[RSI_FID_LAST - RSI_FID_FIRST + 1] = {
	CMD(RSI_VERSION, rsi_version),
	CMD(RSI_FEATURES, rsi_features),
	CMD(RSI_MEASUREMENT_READ, rsi_measurement_read),
	CMD(RSI_MEASUREMENT_EXTEND, rsi_measurement_extend),
	CMD(RSI_ATTEST_TOKEN_INIT, rsi_attest_token_init),
	CMD(RSI_ATTEST_TOKEN_CONTINUE, rsi_attest_token_continue),
	CMD(RSI_REALM_CONFIG, rsi_realm_config),
	CMD(RSI_IPA_STATE_SET, rsi_ipa_state_set),
	CMD(RSI_IPA_STATE_GET, rsi_ipa_state_get),
	CMD(RSI_HOST_CALL, rsi_host_call),
};

static const rsi_handler_fn caec_commands[RSI_CAEC_FID_LAST - RSI_CAEC_FID_FIRST + 1] = {
	[RSI_CSM_VERSION - RSI_CAEC_FID_FIRST] = rsi_csm_version,
	[RSI_CSM_CREATE - RSI_CAEC_FID_FIRST] = rsi_csm_create,
	[RSI_CSM_GRANT - RSI_CAEC_FID_FIRST] = rsi_csm_grant,
	[RSI_CSM_ATTACH - RSI_CAEC_FID_FIRST] = rsi_csm_attach,
	[RSI_CSM_DETACH - RSI_CAEC_FID_FIRST] = rsi_csm_detach,
	[RSI_CSM_REVOKE - RSI_CAEC_FID_FIRST] = rsi_csm_revoke,
	[RSI_CSM_INFO - RSI_CAEC_FID_FIRST] = rsi_csm_info,
	[RSI_CSM_SEAL - RSI_CAEC_FID_FIRST] = rsi_csm_seal,
	[RSI_POLICY_SET - RSI_CAEC_FID_FIRST] = rsi_policy_set,
};

static enum rec_action unknown_call(struct rec_run *run, struct smc_regs *regs)
{
	(void)run;
	regs->x[0] = SMC_UNKNOWN;
	return REC_RESUME;
}

static enum rec_action smccc_version(struct rec_run *run, struct smc_regs *regs)
{
	(void)run;
	regs->x[0] = SMCCC_VERSION_1_2;
	return REC_RESUME;
}

static rsi_handler_fn handler_for(uint64_t fid)
{
	if (fid >= RSI_FID_FIRST && fid <= RSI_FID_LAST)
		return rsi_commands[fid - RSI_FID_FIRST] ? rsi_commands[fid - RSI_FID_FIRST] : unknown_call;
	if ((fid & PSCI_FID_MASK) == PSCI_FID_BASE)
		return psci_realm_call;
	if (fid == SMCCC_VERSION_FID)
		return smccc_version;
	if (fid >= RSI_CAEC_FID_FIRST && fid <= RSI_CAEC_FID_LAST)
		return caec_commands[fid - RSI_CAEC_FID_FIRST] ? caec_commands[fid - RSI_CAEC_FID_FIRST]
							       : unknown_call;
	return unknown_call;
}

/* The CSM calls a POLICY_REQUIRED realm may not make before its policy is
 * set (CSM_VERSION says nothing; POLICY_SET is how it gets one). */
static bool policy_gated(uint64_t fid)
{
	return fid >= RSI_CAEC_FID_FIRST && fid <= RSI_CAEC_FID_LAST && fid != RSI_CSM_VERSION &&
	       fid != RSI_POLICY_SET;
}

static bool policy_pending(const struct rec_run *run)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool pending = rd_policy_pending(rd);

	rd_unlock(g_rd, rd);
	return pending;
}

enum rec_action rsi_unmapped(struct rec_run *run, uint64_t ipa, int level)
{
	rec_exit_unmapped_ipa(run, ipa, level);
	run->rec->last_exit = REC_LAST_EXIT_RSI_UNMAPPED;
	return REC_EXIT;
}

enum rec_action rsi_retry(struct rec_run *run)
{
	return rec_handle_smc(run);
}

enum rec_action rec_handle_smc(struct rec_run *run)
{
	uint64_t *gprs = run->rec->ctx.gprs;
	struct smc_regs regs;
	enum rec_action action;
	uint64_t fid;

	for (unsigned i = 0; i < 18; i++)
		regs.x[i] = gprs[i];
	/* SMCCC: the function ID is W0 (the upper half of X0 is ignored); bit
	 * 16 is the SVE live-state hint. */
	fid = regs.x[0] & UINT64_C(0xFFFFFFFF) & ~SMC_FID_SVE_HINT;
	if (policy_gated(fid) && policy_pending(run)) {
		regs.x[0] = RSI_ERROR_STATE;
		action = REC_RESUME;
	} else {
		action = handler_for(fid)(run, &regs);
	}
	if (action == REC_RESUME)
		for (unsigned i = 0; i < 18; i++)
			gprs[i] = regs.x[i];
	return action;
}
