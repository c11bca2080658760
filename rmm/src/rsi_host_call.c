/*
 * RSI_HOST_CALL: the realm passes an immediate and 31 registers to the host
 * and gets 31 registers back.
 *
 * X1 (addr) is the IPA of an RsiHostCall in the realm's private memory. The
 * monitor copies it in, exits HOST_CALL with imm and gprs, and at the next
 * REC_ENTER writes the host's RmiRecEntry.gprs into RsiHostCall.gprs. The
 * host never sees the IPA or anything else of the realm.
 *
 * Failure conditions, in order (RMM 1.0; TF-RMM rmm-spec-v1.0-rel0):
 *   addr_align   addr not aligned to the 256-byte RsiHostCall  ERROR_INPUT
 *                (so it never straddles a granule)
 *   addr_bound   addr not a protected IPA                      ERROR_INPUT
 *   addr_empty   RIPAS of addr is EMPTY                        ERROR_INPUT
 *   policy       the realm's policy does not let the call out: its
 *                host_calls is deny, or doorbell and the call is not
 *                the data-free doorbell (abi/caec.h); or POLICY_REQUIRED
 *                and no policy yet                           ERROR_STATE
 *                (the CAEC extension; after the RsiHostCall is read)
 *   otherwise, if no RAM granule is mapped at addr yet (UNASSIGNED RAM, or
 *   DESTROYED), the REC exits SYNC with a stage-2 data abort at addr and
 *   the call runs again at the next REC_ENTER (rsi_unmapped()).
 *
 * Completion (REC_ENTER after the HOST_CALL exit): the same three outcomes.
 * Mapped: the results are written and the realm gets RSI_SUCCESS. EMPTY (the
 * realm gave the memory up meanwhile): nothing is written and the realm
 * still gets RSI_SUCCESS, as in TF-RMM. Not mapped: another SYNC exit for
 * the IPA, the call still waiting for the host's results.
 */
#include "checked_math.h"
#include "policy.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

struct host_call_args {
	uint64_t addr; /* X1: IPA of the RsiHostCall */
};

static struct host_call_args decode(const struct smc_regs *regs)
{
	return (struct host_call_args){ .addr = regs->x[1] };
}

/* The realm's policy lets this call through (policy.h). */
static bool host_call_allowed(const struct rec_run *run, const struct rsi_host_call *call)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool ok = policy_allows_host_call(rd, call->imm, call->gprs, RSI_HOST_CALL_GPRS);

	rd_unlock(g_rd, rd);
	return ok;
}

enum rec_action rsi_host_call(struct rec_run *run, struct smc_regs *regs)
{
	struct host_call_args a = decode(regs);
	struct rsi_host_call call;
	enum realm_mem_status st;
	int level;

	if (!is_aligned(a.addr, RSI_HOST_CALL_SIZE))
		return rsi_return(regs, RSI_ERROR_INPUT);
	st = realm_mem_read(run->rd_pa, a.addr, &call, sizeof(call), &level);
	if (st == REALM_MEM_UNMAPPED)
		return rsi_unmapped(run, a.addr, level);
	if (st != REALM_MEM_OK)
		return rsi_return(regs, RSI_ERROR_INPUT);
	if (!host_call_allowed(run, &call))
		return rsi_return(regs, RSI_ERROR_STATE);
	rec_exit_begin(run, RMI_EXIT_HOST_CALL);
	run->exit.imm = call.imm;
	for (unsigned i = 0; i < RSI_HOST_CALL_GPRS; i++)
		run->exit.gprs[i] = call.gprs[i];
	run->rec->host_call_ipa = a.addr;
	run->rec->last_exit = REC_LAST_EXIT_HOST_CALL;
	return REC_EXIT;
}

enum rec_action rsi_host_call_complete(struct rec_run *run, const uint64_t *host_gprs)
{
	uint64_t call_ipa = run->rec->host_call_ipa;
	uint64_t ipa = call_ipa + offsetof(struct rsi_host_call, gprs);
	int level;

	switch (realm_mem_write(run->rd_pa, ipa, host_gprs, RSI_HOST_CALL_GPRS * sizeof(uint64_t), &level)) {
	case REALM_MEM_UNMAPPED:
		rec_exit_unmapped_ipa(run, call_ipa, level);
		run->rec->last_exit = REC_LAST_EXIT_HOST_CALL; /* still waiting */
		return REC_EXIT;
	case REALM_MEM_OK:
	case REALM_MEM_REFUSED:
	default:
		run->rec->gprs[0] = RSI_SUCCESS;
		return REC_RESUME;
	}
}
