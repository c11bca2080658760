/* rmi_call: the SMC to the monitor (see rmi_call.h). */
#include "host/rmi_call.h"

#include <string.h>

#include "hostsim/hostsim.h"

struct smc_regs rmi_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5, uint64_t a6)
{
	struct smc_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.x[0] = fid;
	regs.x[1] = a1;
	regs.x[2] = a2;
	regs.x[3] = a3;
	regs.x[4] = a4;
	regs.x[5] = a5;
	regs.x[6] = a6;
	hostsim_smc(&regs);
	return regs;
}

const char *rmi_status_name(uint64_t x0)
{
	static const char *const names[] = { "SUCCESS", "ERROR_INPUT", "ERROR_REALM",
					     "ERROR_REC", "ERROR_RTT" };

	if (x0 == SMC_UNKNOWN)
		return "SMC_UNKNOWN";
	return RMI_STATUS_CODE(x0) < 5 ? names[RMI_STATUS_CODE(x0)] : "?";
}
