/*
 * The machine's live regions by csm_id (csm.h), so that a realm that is not
 * yet a member can name a region: a fixed open-addressing table (linear
 * probing, tombstones) of CSM_MAX_LIVE_REGIONS entries, guarded by one lock
 * that is always taken last and held only for the table operation, never
 * while waiting for a granule. An entry only says where the CSMD was: every
 * user validates it (csmd_lock_valid), so a lookup that races a DESTROY just
 * finds nothing.
 */
#include <stdatomic.h>

#include "csm.h"
#include "plat/plat.h"

#define SLOT_FREE      0
#define SLOT_TOMBSTONE 1
#define TABLE_SIZE     (2 * CSM_MAX_LIVE_REGIONS) /* at most half full */

struct slot {
	uint64_t csm_id; /* or SLOT_FREE, SLOT_TOMBSTONE */
	uint64_t csmd_pa;
};

static struct slot table[TABLE_SIZE];
static unsigned live;
static plat_lock_t table_lock;

/* csm_ids are permutation outputs: 0 and 1 are skipped by csm_id_next so
 * they can mark free and deleted slots. */
static unsigned home(uint64_t csm_id)
{
	return (unsigned)(csm_id % TABLE_SIZE); /* ids are uniformly spread already */
}

void csm_registry_reset(void)
{
	for (unsigned i = 0; i < TABLE_SIZE; i++)
		table[i] = (struct slot){ 0 };
	live = 0;
	atomic_store_explicit(&table_lock.word, 0, memory_order_relaxed);
}

bool csm_registry_add(uint64_t csm_id, uint64_t csmd_pa)
{
	bool added = false;

	plat_lock_acquire(&table_lock);
	if (live < CSM_MAX_LIVE_REGIONS) {
		for (unsigned n = 0, i = home(csm_id); n < TABLE_SIZE; n++, i = (i + 1) % TABLE_SIZE) {
			if (table[i].csm_id > SLOT_TOMBSTONE)
				continue;
			table[i] = (struct slot){ csm_id, csmd_pa };
			live++;
			added = true;
			break;
		}
	}
	plat_lock_release(&table_lock);
	return added;
}

/* The slot of csm_id, or TABLE_SIZE; the lock is held. */
static unsigned find_locked(uint64_t csm_id)
{
	for (unsigned n = 0, i = home(csm_id); n < TABLE_SIZE; n++, i = (i + 1) % TABLE_SIZE) {
		if (table[i].csm_id == SLOT_FREE)
			break;
		if (table[i].csm_id == csm_id)
			return i;
	}
	return TABLE_SIZE;
}

void csm_registry_remove(uint64_t csm_id)
{
	plat_lock_acquire(&table_lock);
	unsigned i = find_locked(csm_id);
	if (i < TABLE_SIZE) {
		table[i] = (struct slot){ SLOT_TOMBSTONE, 0 };
		live--;
	}
	plat_lock_release(&table_lock);
}

uint64_t csm_registry_find(uint64_t csm_id)
{
	uint64_t pa = 0;

	if (csm_id <= SLOT_TOMBSTONE)
		return 0;
	plat_lock_acquire(&table_lock);
	unsigned i = find_locked(csm_id);
	if (i < TABLE_SIZE)
		pa = table[i].csmd_pa;
	plat_lock_release(&table_lock);
	return pa;
}
