/*
 * RSI_HOST_CALL: the realm passes an immediate and 31 registers to the host
 * and gets 31 registers back.
 *
 * X1 is the IPA of an RsiHostCall in the realm's private memory (aligned to
 * its 256-byte size, so it never straddles a granule). The monitor copies it
 * in, exits HOST_CALL with imm and gprs, and at the next REC_ENTER writes the
 * host's RmiRecEntry.gprs into RsiHostCall.gprs (rec_enter.c). The host never
 * sees the IPA or anything else of the realm.
 */
#include "checked_math.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

enum rec_action rsi_host_call(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t ipa = regs->x[1];
	struct rsi_host_call call;

	if (!is_aligned(ipa, RSI_HOST_CALL_SIZE) ||
	    !realm_mem_read(run->rd_pa, ipa, &call, sizeof(call))) {
		regs->x[0] = RSI_ERROR_INPUT;
		return REC_RESUME;
	}
	rec_exit_begin(run, RMI_EXIT_HOST_CALL);
	run->exit.imm = call.imm;
	for (unsigned i = 0; i < RSI_HOST_CALL_GPRS; i++)
		run->exit.gprs[i] = call.gprs[i];
	run->rec->host_call_ipa = ipa;
	run->rec->last_exit = REC_LAST_EXIT_HOST_CALL;
	return REC_EXIT;
}

bool rsi_host_call_complete(struct rec_run *run, const uint64_t *host_gprs)
{
	uint64_t ipa = run->rec->host_call_ipa + offsetof(struct rsi_host_call, gprs);

	return realm_mem_write(run->rd_pa, ipa, host_gprs, RSI_HOST_CALL_GPRS * sizeof(uint64_t));
}
