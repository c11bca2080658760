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

/* At REC_ENTER after a HOST_CALL exit: the host's 31 registers into the
 * realm's RsiHostCall. False if that memory is no longer the realm's RAM. */
bool rsi_host_call_complete(struct rec_run *run, const uint64_t *host_gprs);

/* The size of the RsiHostCall structure and its alignment in realm memory. */
#define RSI_HOST_CALL_SIZE sizeof(struct rsi_host_call)

#endif
