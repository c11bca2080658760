/*
 * The machine with its monitor: boot it on start, route the normal world's
 * SMCs to it. Kept apart from the hardware so that the hardware can be built
 * and tested without the monitor (hostsim_hw_start).
 */
#include <errno.h>
#include <stdio.h>

#include "abi/caec.h"
#include "hostsim_internal.h"
#include "rmm/rmm.h"

static _Atomic bool monitor_up;

int hostsim_start(const struct hostsim_config *cfg)
{
	int rc = hostsim_hw_start(cfg);

	if (rc)
		return rc;
	rc = rmm_boot();
	if (rc == 0 && !hostsim_el3_boot_completed())
		rc = -EPROTO; /* EL3 only opens the RMI once the monitor said it booted */
	if (rc != 0) {
		hostsim_hw_stop();
		return rc < 0 ? rc : -EIO;
	}
	atomic_store(&monitor_up, true);
	return 0;
}

void hostsim_stop(void)
{
	atomic_store(&monitor_up, false);
	hostsim_hw_stop();
}

void hostsim_smc(struct smc_regs *regs)
{
	/* EL3's own services (RMM_GTSI_* and the rest) are for the monitor only. */
	if (atomic_load(&monitor_up) && rmm_is_rmi_fid(regs->x[0]))
		rmm_handle_rmi(regs);
	else
		regs->x[0] = SMC_UNKNOWN;
}

/* ---- the CSM isolation check (tests) ---- */

static bool is_csm_state(unsigned state)
{
	return state == GRANULE_STATE_CSMD || state == GRANULE_STATE_CSM_META ||
	       state == GRANULE_STATE_CSM_DATA || state == GRANULE_STATE_CSM_LIST;
}

bool hostsim_check_csm(char *why, size_t cap)
{
	uint64_t size = plat_dram_size();

	if (!rmm_debug_check_csm(why, cap))
		return false;
	for (uint64_t pa = 0; pa < size; pa += PLAT_GRANULE_SIZE) {
		unsigned state, refcount;
		const char *what = NULL;

		if (!rmm_debug_granule(pa, &state, &refcount) || !is_csm_state(state))
			continue;
		if (hostsim_gpt_pas(pa) != HOSTSIM_PAS_REALM)
			what = "is not in the Realm PAS";
		else if (hostsim_dram_host_is_open(pa >> PLAT_GRANULE_SHIFT))
			what = "is open in the host window";
		if (what) {
			if (cap)
				snprintf(why, cap, "the CSM granule at PA 0x%llx (state %u) %s",
					 (unsigned long long)pa, state, what);
			return false;
		}
	}
	return true;
}
