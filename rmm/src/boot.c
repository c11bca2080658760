/*
 * Cold boot: describe DRAM, forget every realm, tell EL3 the monitor is up.
 */
#include "abi/el3.h"
#include "csm.h"
#include "granule.h"
#include "realm.h"
#include "rmm/rmm.h"

int rmm_boot(void)
{
	struct smc_regs regs = { .x = { RMM_BOOT_COMPLETE, 0 } };

	if (granule_array_init(plat_dram_base(), plat_dram_size()) != 0)
		return -1; /* more DRAM than the granule array describes */
	if (plat_hash_size(PLAT_HASH_SHA256) != 32 || plat_hash_size(PLAT_HASH_SHA512) != 64)
		return -2; /* both realm hash algorithms are advertised in FEATURES */
	vmid_reset_all();
	csm_registry_reset();
	if (!csm_ids_reset())
		return -4; /* no entropy for the region identifiers' key */
	plat_el3_smc(&regs);
	return regs.x[0] == E_RMM_OK ? 0 : -3;
}
