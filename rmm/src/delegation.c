/*
 * GRANULE_DELEGATE and GRANULE_UNDELEGATE: moving a granule between the NS
 * and Realm physical address spaces through EL3, which owns the GPT.
 *
 * EL3 zeroes a granule as it delegates it, and every granule the monitor
 * returns to DELEGATED is scrubbed, so a DELEGATED granule is always zero and
 * undelegating it hands the host nothing but zeros.
 */
#include "abi/el3.h"
#include "granule.h"
#include "rmi_handlers.h"

static uint64_t el3_call(uint64_t fid, uint64_t pa)
{
	struct smc_regs regs = { .x = { fid, pa } };

	plat_el3_smc(&regs);
	return regs.x[0];
}

uint64_t smc_granule_delegate(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_granule_delegate_args a = rmi_granule_delegate_args(x);
	struct granule *g = granule_lock_expect(a.addr, GRANULE_STATE_NS);

	(void)res;
	if (!g)
		return RMI_INPUT_ERROR;                     /* align, bound, state */
	if (el3_call(RMM_GTSI_DELEGATE, a.addr) != E_RMM_OK) {
		granule_unlock(g);
		return RMI_INPUT_ERROR;                     /* gpt: not NS (e.g. Root) */
	}
	granule_unlock_transition(g, GRANULE_STATE_DELEGATED);
	return RMI_OK;
}

uint64_t smc_granule_undelegate(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_granule_undelegate_args a = rmi_granule_undelegate_args(x);
	struct granule *g = granule_lock_expect(a.addr, GRANULE_STATE_DELEGATED);

	(void)res;
	if (!g)
		return RMI_INPUT_ERROR;
	/* EL3 undelegates any granule in the Realm PAS and needs nothing the
	 * host controls for it (no memory, no mapping: plat/hostsim/src/el3.c),
	 * so a refusal here is a firmware fault, never a host's doing. */
	if (el3_call(RMM_GTSI_UNDELEGATE, a.addr) != E_RMM_OK)
		plat_panic("EL3 refused to undelegate a delegated granule");
	granule_unlock_transition(g, GRANULE_STATE_NS);
	return RMI_OK;
}
