/*
 * RSI_VERSION and RSI_FEATURES.
 *
 * VERSION follows RMI_VERSION (version.c): the monitor implements exactly
 * RSI 1.0, answers SUCCESS when the realm asks for 1.0 and ERROR_INPUT
 * otherwise, and reports the lowest and highest versions in X1 and X2.
 * FEATURES: RSI 1.0 defines no feature bits, so every register reads zero.
 */
#include "rsi_handlers.h"

enum rec_action rsi_version(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t requested = regs->x[1]; /* X1: the version the realm asks for */

	(void)run;
	regs->x[0] = requested == RSI_ABI_VERSION ? RSI_SUCCESS : RSI_ERROR_INPUT;
	regs->x[1] = RSI_ABI_VERSION;
	regs->x[2] = RSI_ABI_VERSION;
	return REC_RESUME;
}

enum rec_action rsi_features(struct rec_run *run, struct smc_regs *regs)
{
	(void)run;
	regs->x[0] = RSI_SUCCESS;
	regs->x[1] = 0;
	return REC_RESUME;
}
