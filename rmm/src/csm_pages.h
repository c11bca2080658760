/*
 * Where a region's page i is recorded (csm.h): the descriptor's slot i for
 * regions of up to CSM_INLINE_PAGES pages, else entry i % 512 of the list
 * granule in slot i / 512. Shared by DATA_ADD, DATA_REMOVE and the
 * invariant checks.
 */
#ifndef RMM_CSM_PAGES_H
#define RMM_CSM_PAGES_H

#include "csm.h"

static inline bool csm_uses_lists(const struct csmd *csmd)
{
	return csmd->num_granules > CSM_INLINE_PAGES;
}

static inline unsigned csm_list_slot(uint64_t index)
{
	return (unsigned)(index / CSM_LIST_ENTRIES);
}

static inline unsigned csm_list_entry(uint64_t index)
{
	return (unsigned)(index % CSM_LIST_ENTRIES);
}

/* RMI_CSM_DATA_ADD and RMI_CSM_LIST_ADD (csm_data_add.c): {CSMD, a
 * DELEGATED granule} as one lock set, then add() records the granule at
 * index; it becomes new_state on RMI_OK and stays DELEGATED otherwise. */
typedef uint64_t csm_add_fn(struct csmd *csmd, uint64_t index, uint64_t pa);
uint64_t csm_add_granule(const uint64_t *x, unsigned new_state, csm_add_fn *add);

/* Locks the list granule holding page index (owned by the locked CSMD);
 * NULL when that list has not been added. */
struct granule *csm_lock_list(const struct csmd *csmd, uint64_t index);

#endif
