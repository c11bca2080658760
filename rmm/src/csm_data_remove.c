/*
 * RMI_CSM_DATA_REMOVE(csmd, index) -> X1 page PA, X2 list PA or 0: the host
 * takes page `index` back from a region no realm maps. The first removal
 * makes the region DYING (it can never be mapped again); the page is
 * scrubbed and becomes DELEGATED. When the last page of a list goes, the
 * list granule is scrubbed and DELEGATED too and reported in X2 (the
 * extension's RMI has no command of its own for lists).
 *
 * Locks: {CSMD}, then the list, then the page.
 *
 * Failure conditions, in order:
 *   csmd: align, bound, state                                ERROR_INPUT
 *   mapped: a realm maps the region (its pages are pinned)   ERROR_REALM
 *   index_bound: index >= num_granules                       ERROR_INPUT
 *   page: page `index` (or its list) is not present          ERROR_INPUT
 */
#include "csm_pages.h"
#include "rmi_handlers.h"

static bool list_is_empty(const uint64_t *list)
{
	for (unsigned i = 0; i < CSM_LIST_ENTRIES; i++)
		if (list[i] != 0)
			return false;
	return true;
}

/* Clears the record of page index; its PA (0: not present), and in
 * *list_freed the list granule released with it. */
static uint64_t take_page(struct csmd *csmd, uint64_t index, uint64_t *list_freed)
{
	uint64_t pa;

	*list_freed = 0;
	if (!csm_uses_lists(csmd)) {
		pa = csmd->slots[index];
		csmd->slots[index] = 0;
		return pa;
	}
	struct granule *g_list = csm_lock_list(csmd, index);
	if (!g_list)
		return 0;
	uint64_t *list = granule_map(g_list);
	pa = list[csm_list_entry(index)];
	list[csm_list_entry(index)] = 0;
	bool empty = list_is_empty(list);
	granule_unmap(list);
	if (pa != 0 && empty) {
		*list_freed = csmd->slots[csm_list_slot(index)];
		csmd->slots[csm_list_slot(index)] = 0;
		csmd->lists_present--;
		granule_unlock_delegated(g_list); /* already zero: entries removed */
	} else {
		granule_unlock(g_list);
	}
	return pa;
}

uint64_t smc_csm_data_remove(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_csm_data_remove_args a = rmi_csm_data_remove_args(x);
	struct granule *g_csmd = granule_lock_expect(a.csmd_pa, GRANULE_STATE_CSMD);
	uint64_t status = RMI_OK, page_pa = 0, list_pa = 0;
	struct csmd *csmd;

	if (!g_csmd)
		return RMI_INPUT_ERROR;
	csmd = csmd_map(g_csmd);
	if (csmd->mapped_members != 0)
		status = RMI_REALM_ERROR(0);      /* mapped */
	else if (a.index >= csmd->num_granules)
		status = RMI_INPUT_ERROR;         /* index_bound */
	else if ((page_pa = take_page(csmd, a.index, &list_pa)) == 0)
		status = RMI_INPUT_ERROR;         /* page */
	if (status == RMI_OK) {
		struct granule *g_page = granule_lock_owned(page_pa, GRANULE_STATE_CSM_DATA,
							    "csm: a region's page is not CSM_DATA");
		granule_unlock_delegated(g_page);
		csmd->state = CSM_STATE_DYING;
		csmd->pages_present--;
		res->x[1] = page_pa;
		res->x[2] = list_pa;
	}
	granule_unmap(csmd);
	granule_unlock(g_csmd);
	return status;
}
