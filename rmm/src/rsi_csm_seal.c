/*
 * RSI_CSM_SEAL(csm_id): the owner makes its region's ACL final: GRANT fails
 * from then on, so membership can only shrink (REVOKE still works). The
 * region's generation grows; sealing twice is harmless.
 *
 * Failure conditions, in order:
 *   the caller owns no region csm_id                   ERROR_INPUT
 */
#include "csm_owner.h"
#include "rsi_handlers.h"

enum rec_action rsi_csm_seal(struct rec_run *run, struct smc_regs *regs)
{
	struct granule *g;
	struct csmd *csmd;

	g = csm_lock_owned_region(run->rd_pa, regs->x[1], &csmd);
	if (!g)
		return rsi_return(regs, RSI_ERROR_INPUT);
	if (!(csmd->flags & CSMD_FLAG_SEALED)) {
		csmd->flags |= CSMD_FLAG_SEALED;
		csmd->generation++;
	}
	csm_unlock_region(g, csmd);
	return rsi_return(regs, RSI_SUCCESS);
}
