/*
 * RMI_CSM_DATA_ADD(csmd, data, index): a DELEGATED granule becomes page
 * `index` of a NEW region (CSM_DATA). Delegated granules are zero, so the
 * host can never put content into a region. When the last page arrives the
 * region becomes ACTIVE and its owner's pending CREATE can succeed.
 *
 * Locks: {CSMD, data} as one set, then the list granule (large regions).
 *
 * Failure conditions, in order (all ERROR_INPUT: they are properties of the
 * arguments):
 *   csmd, data: align, bound, state (CSMD, DELEGATED), distinct
 *   region_state: the region is not NEW (complete, or dying)
 *   index_bound: index >= num_granules
 *   list: the region lists its pages and list index / 512 is not there yet
 *   page: page index is already present
 */
#include "csm_pages.h"
#include "rmi_handlers.h"

struct granule *csm_lock_list(const struct csmd *csmd, uint64_t index)
{
	uint64_t list_pa = csmd->slots[csm_list_slot(index)];

	if (list_pa == 0)
		return NULL;
	return granule_lock_owned(list_pa, GRANULE_STATE_CSM_LIST, "csm: a region's list is not CSM_LIST");
}

/* Records data_pa as page index; RMI_OK, or the failure with nothing changed. */
static uint64_t add_page(struct csmd *csmd, uint64_t index, uint64_t data_pa)
{
	if (csmd->state != CSM_STATE_NEW || index >= csmd->num_granules)
		return RMI_INPUT_ERROR; /* region_state, index_bound */
	if (!csm_uses_lists(csmd)) {
		if (csmd->slots[index] != 0)
			return RMI_INPUT_ERROR; /* page */
		csmd->slots[index] = data_pa;
	} else {
		struct granule *g_list = csm_lock_list(csmd, index);
		uint64_t *list;
		bool present;

		if (!g_list)
			return RMI_INPUT_ERROR; /* list */
		list = granule_map(g_list);
		present = list[csm_list_entry(index)] != 0;
		if (!present)
			list[csm_list_entry(index)] = data_pa;
		granule_unmap(list);
		granule_unlock(g_list);
		if (present)
			return RMI_INPUT_ERROR; /* page */
	}
	if (++csmd->pages_present == csmd->num_granules)
		csmd->state = CSM_STATE_ACTIVE;
	return RMI_OK;
}

uint64_t csm_add_granule(const uint64_t *x, unsigned new_state, csm_add_fn *add)
{
	const struct rmi_csm_add_args a = rmi_csm_add_args(x);
	struct granule_lock_req locks[2] = {
		{ .pa = a.csmd_pa, .expected = GRANULE_STATE_CSMD },
		{ .pa = a.new_pa, .expected = GRANULE_STATE_DELEGATED },
	};
	struct csmd *csmd;
	uint64_t status;

	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	csmd = csmd_map(locks[0].g);
	status = add(csmd, a.index, a.new_pa);
	granule_unmap(csmd);
	if (status == RMI_OK)
		granule_unlock_transition(locks[1].g, new_state);
	else
		granule_unlock(locks[1].g);
	granule_unlock(locks[0].g);
	return status;
}

uint64_t smc_csm_data_add(const uint64_t *x, struct rmi_result *res)
{
	(void)res;
	return csm_add_granule(x, GRANULE_STATE_CSM_DATA, add_page);
}
