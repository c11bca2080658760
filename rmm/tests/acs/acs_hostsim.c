/* The suite's machine: hostsim with the monitor, host window at VA == PA. */
#include <stdio.h>
#include <string.h>

#include "acs_hostsim.h"
#include "hostsim/hostsim.h"

#define ACS_TIME_SLICE_US (UINT64_C(30) * 1000 * 1000)

int acs_machine_start(uint64_t dram_size, unsigned root_granules)
{
	const struct hostsim_config cfg = {
		.dram_size = dram_size,
		.root_granules = root_granules,
		.host_va_is_pa = true,
		/* The suite is at the RMM 1.0-rel0 tag: its token is that
		 * release's collection (tag 399). */
		.token_format = HOSTSIM_TOKEN_LEGACY,
	};
	int rc;

	/* The suite expects a REC to leave only for the reason its test
	 * provokes: it has no IRQ exits to serve (its interrupt tests are not
	 * applicable here). A time slice long enough that no realm part of it
	 * ever reaches it, also on a loaded machine under sanitizers, keeps
	 * preemption out of the way; a realm that hangs still meets the CTest
	 * timeout. */
	hostsim_set_time_slice_us(ACS_TIME_SLICE_US);
	rc = hostsim_start(&cfg);

	if (rc)
		fprintf(stderr, "acs: cannot start the hostsim machine with its host window at "
				"VA == PA: %s\n", strerror(-rc));
	return rc;
}

void acs_machine_stop(void)
{
	hostsim_stop();
}

void acs_machine_smc(uint64_t x[ACS_SMC_REGS])
{
	struct smc_regs regs = { 0 };

	memcpy(regs.x, x, ACS_SMC_REGS * sizeof(x[0]));
	hostsim_smc(&regs);
	memcpy(x, regs.x, ACS_SMC_REGS * sizeof(x[0]));
}
