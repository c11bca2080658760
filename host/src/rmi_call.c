/* rmi_call: the SMC to the monitor (see rmi_call.h). */
#include "host/rmi_call.h"

#include "hostsim/hostsim.h"

struct smc_regs rmi_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5, uint64_t a6)
{
	return hostsim_smc_call(fid, a1, a2, a3, a4, a5, a6);
}

const char *rmi_status_name(uint64_t x0)
{
	static const char *const names[] = { "SUCCESS", "ERROR_INPUT", "ERROR_REALM",
					     "ERROR_REC", "ERROR_RTT" };

	if (x0 == SMC_UNKNOWN)
		return "SMC_UNKNOWN";
	return RMI_STATUS_CODE(x0) < 5 ? names[RMI_STATUS_CODE(x0)] : "?";
}
