/*
 * The emulated EL3 firmware: the RMM-EL3 services the monitor calls with SMC.
 *
 * GTSI_DELEGATE moves a granule from NS to REALM: the PAS changes, then the
 * host window closes the granule (no fill started after the change opens it
 * again) and realm windows drop their unprotected mappings (a realm may have
 * had the granule as shared memory); then the granule is zeroed so the Realm
 * world never inherits host data.
 * GTSI_UNDELEGATE moves it back: the PAS changes, and the host window opens
 * the granule on the host's next access (dram.c).
 * Neither needs anything from the host OS, so neither can fail for lack of
 * it: the host cannot make the monitor's undelegation fail.
 * Both run under the GPT entry's lock, so any number of CPUs may call them.
 * GET_PLAT_TOKEN hands the monitor the platform token (el3_attest.c).
 */
#include <string.h>

#include "abi/el3.h"
#include "el3_attest.h"
#include "hostsim_internal.h"

static _Atomic bool boot_completed;

void hostsim_el3_reset(void)
{
	atomic_store(&boot_completed, false);
}

bool hostsim_el3_boot_completed(void)
{
	return atomic_load(&boot_completed);
}

/* E_RMM_OK with *granule set, or why the address is not a DRAM granule. */
static uint64_t granule_of(uint64_t pa, uint64_t *granule)
{
	if ((pa & (PLAT_GRANULE_SIZE - 1)) != 0 || !hostsim_dram_range_ok(pa, PLAT_GRANULE_SIZE))
		return E_RMM_BAD_ADDR;
	*granule = pa >> PLAT_GRANULE_SHIFT;
	return E_RMM_OK;
}

static uint64_t gtsi_delegate(uint64_t pa)
{
	uint64_t g, ret = granule_of(pa, &g);

	if (ret != E_RMM_OK)
		return ret;
	hostsim_gpt_entry_lock(g);
	if (hostsim_gpt_entry_pas(g) != HOSTSIM_PAS_NS) {
		ret = E_RMM_BAD_PAS;
	} else {
		hostsim_gpt_entry_set_pas(g, HOSTSIM_PAS_REALM);
		hostsim_dram_host_close(g);
		/* A realm may hold the granule through an unprotected mapping: drop
		 * it before zeroing, or a racing realm store could survive into a
		 * DELEGATED granule (and so into another realm's memory). */
		hostsim_s2_invalidate_unprotected();
		memset(hostsim_dram_monitor_ptr(pa), 0, PLAT_GRANULE_SIZE);
	}
	hostsim_gpt_entry_unlock(g);
	return ret;
}

static uint64_t gtsi_undelegate(uint64_t pa)
{
	uint64_t g, ret = granule_of(pa, &g);

	if (ret != E_RMM_OK)
		return ret;
	hostsim_gpt_entry_lock(g);
	if (hostsim_gpt_entry_pas(g) != HOSTSIM_PAS_REALM) {
		ret = E_RMM_BAD_PAS;
	} else {
		hostsim_gpt_entry_set_pas(g, HOSTSIM_PAS_NS);
	}
	hostsim_gpt_entry_unlock(g);
	return ret;
}

static uint64_t boot_complete(uint64_t status)
{
	bool expected = false;

	if (status != 0)
		return E_RMM_OK; /* the monitor failed to boot; EL3 keeps the RMI closed */
	if (!atomic_compare_exchange_strong(&boot_completed, &expected, true))
		return E_RMM_INVAL; /* the monitor boots once per machine */
	return E_RMM_OK;
}

void plat_el3_smc(struct smc_regs *regs)
{
	uint64_t fid = regs->x[0] & ~SMC_FID_SVE_HINT;

	switch (fid) {
	case RMM_GTSI_DELEGATE:
		regs->x[0] = gtsi_delegate(regs->x[1]);
		break;
	case RMM_GTSI_UNDELEGATE:
		regs->x[0] = gtsi_undelegate(regs->x[1]);
		break;
	case RMM_BOOT_COMPLETE:
		regs->x[0] = boot_complete(regs->x[1]);
		break;
	case RMM_GET_PLAT_TOKEN:
		hostsim_el3_get_plat_token(regs); /* el3_attest.c */
		break;
	case RMM_GET_REALM_ATTEST_KEY:
		/* The RAK's private half never leaves EL3 here: the monitor signs
		 * through plat_rak_sign() (plat.h, "Attestation"). */
	default:
		regs->x[0] = E_RMM_UNK;
		break;
	}
}
