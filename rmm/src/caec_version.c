/*
 * RMI_CSM_VERSION and RSI_CSM_VERSION: X0 = SUCCESS, X1 = the extension's
 * version, 1.0 (0x10000). A monitor without the extension answers
 * SMC_UNKNOWN, so this is how a host or a realm learns that the monitor
 * offers confidential shared memory and communication policies.
 */
#include "abi/caec.h"
#include "rmi_handlers.h"
#include "rsi_handlers.h"

uint64_t smc_csm_version(const uint64_t *x, struct rmi_result *res)
{
	(void)x;
	res->x[1] = CAEC_CSM_ABI_VERSION;
	return RMI_OK;
}

enum rec_action rsi_csm_version(struct rec_run *run, struct smc_regs *regs)
{
	(void)run;
	regs->x[1] = CAEC_CSM_ABI_VERSION;
	return rsi_return(regs, RSI_SUCCESS);
}
