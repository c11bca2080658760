/*
 * RMI_CSM_LIST_ADD(csmd, list, slot): for a region of more than
 * CSM_INLINE_PAGES pages, a DELEGATED granule becomes page list `slot`
 * (CSM_LIST: pages slot * 512 .. slot * 512 + 511; zero = none yet). A list
 * is added before its pages.
 *
 * Failure conditions, in order (all ERROR_INPUT):
 *   csmd, list: align, bound, state (CSMD, DELEGATED), distinct
 *   region_state: the region is not NEW
 *   lists: the region keeps its pages in the descriptor (at most
 *     CSM_INLINE_PAGES), or slot >= the lists it needs
 *   slot: list `slot` is already present
 */
#include "csm_pages.h"
#include "rmi_handlers.h"

static uint64_t add_list(struct csmd *csmd, uint64_t slot, uint64_t list_pa)
{
	if (csmd->state != CSM_STATE_NEW)
		return RMI_INPUT_ERROR; /* region_state */
	if (!csm_uses_lists(csmd) || slot >= csm_num_lists(csmd->num_granules))
		return RMI_INPUT_ERROR; /* lists */
	if (csmd->slots[slot] != 0)
		return RMI_INPUT_ERROR; /* slot */
	csmd->slots[slot] = list_pa;
	csmd->lists_present++;
	return RMI_OK;
}

uint64_t smc_csm_list_add(const uint64_t *x, struct rmi_result *res)
{
	(void)res;
	return csm_add_granule(x, GRANULE_STATE_CSM_LIST, add_list);
}
