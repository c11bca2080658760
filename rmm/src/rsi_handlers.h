/*
 * One handler per RSI command (rsi.c dispatches). A handler gets the realm's
 * X0..X17 in regs; when it returns REC_RESUME, regs->x[0] is the status and
 * regs->x[1..] the results the realm sees. A handler that returns REC_EXIT
 * has filled run->exit; the realm's registers are then written when the host
 * enters the REC again (rec_enter.c).
 */
#ifndef RMM_RSI_HANDLERS_H
#define RMM_RSI_HANDLERS_H

#include "abi/rsi.h"
#include "rec_run.h"

enum rec_action rsi_version(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_features(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_measurement_read(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_measurement_extend(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_realm_config(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_ipa_state_set(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_ipa_state_get(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_host_call(struct rec_run *run, struct smc_regs *regs);
/* attest_rsi.c (attest.h describes the token). */
enum rec_action rsi_attest_token_init(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_attest_token_continue(struct rec_run *run, struct smc_regs *regs);

/* At REC_ENTER after a HOST_CALL exit: the host's 31 registers into the
 * realm's RsiHostCall and X0 = RSI_SUCCESS (REC_RESUME), or, if that memory
 * is not mapped, another SYNC exit for it (REC_EXIT; rsi_host_call.c). */
enum rec_action rsi_host_call_complete(struct rec_run *run, const uint64_t *host_gprs);

/* The CAEC extension (rsi_csm_create.c). */
enum rec_action rsi_csm_version(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_create(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_grant(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_attach(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_detach(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_revoke(struct rec_run *run, struct smc_regs *regs);
enum rec_action rsi_csm_info(struct rec_run *run, struct smc_regs *regs);
/* At the REC's next entry: the member mapping the ATTACH asked for is complete. */
bool rsi_csm_attach_completed(const struct rec_run *run);
enum rec_action rsi_csm_seal(struct rec_run *run, struct smc_regs *regs);
/* rsi_policy_set.c (policy.h says what a policy allows). */
enum rec_action rsi_policy_set(struct rec_run *run, struct smc_regs *regs);
/* At REC_ENTER after a CSM request exit: the realm's result from the
 * monitor's own records (never from the host's entry registers), then the
 * request is forgotten. */
void rsi_csm_request_complete(struct rec_run *run);

/* Returns to the realm with X0 = status. */
static inline enum rec_action rsi_return(struct smc_regs *regs, uint64_t status)
{
	regs->x[0] = status;
	return REC_RESUME;
}

/* The call needs realm memory at ipa that the host has not mapped (RIPAS RAM
 * or DESTROYED, no RAM granule; realm_mem.h): exit SYNC with a stage-2 data
 * abort at ipa (the RTT walk stopped at level), leave the realm's registers
 * as they are, and run the same call again at the next REC_ENTER, as the
 * realm's SMC would be executed again on hardware (rsi.c). */
enum rec_action rsi_unmapped(struct rec_run *run, uint64_t ipa, int level);

/* At REC_ENTER after rsi_unmapped(): the call again, with the realm's
 * registers as they were (rsi.c). */
enum rec_action rsi_retry(struct rec_run *run);

/* The size of the RsiHostCall structure and its alignment in realm memory. */
#define RSI_HOST_CALL_SIZE sizeof(struct rsi_host_call)

#endif
