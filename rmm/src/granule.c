/*
 * The granule array and its locking rules.
 *
 * Lock order (deadlock freedom rests on it):
 *  1. Argument granules: the granules a command names by address (RD, REC,
 *     CSMD, and DELEGATED granules about to become something) are locked as
 *     one set by granule_lock_set(): CSMDs first, then CSM_METAs, then the
 *     rest, each group in ascending PA order (the CAEC extension's order,
 *     CSMD -> CSM_META -> RD, so that no thread holding an RD or a DELEGATED
 *     granule ever waits for a CSMD). Each is checked against the state the
 *     command expects the moment it is held; on a mismatch the whole set is
 *     released before anything else is waited for. So a thread never waits
 *     while holding a granule in a state it did not ask for.
 *  2. Owned granules: granules reached through a held granule, never by
 *     address: the RTTs of a realm (root first, then parent before child,
 *     hand over hand, starting from a held RD), the DATA granule an RTT entry
 *     maps (after its RTT), the REC_AUX granules of a held REC. Ownership is a
 *     tree, and a thread only descends it.
 *  3. A region's granules (csm.h): from a held CSMD, its CSM_META, then the
 *     RDs of its owner and members (validated references, ascending PA),
 *     then those realms' RTTs (rule 2), then its CSM_LIST and CSM_DATA
 *     granules. A thread holding an RD never waits for a CSMD.
 *  A thread holding owned granules takes no argument granule. An argument
 *  granule can only be waited for by a thread holding argument granules
 *  earlier in the set order, and anyone holding an owned granule in a state
 *  we did not expect releases it without waiting (rule 1), so no cycle of
 *  waiters can form.
 *
 *  Outside the granules: the attestation scratch buffers (attest_rsi.c) are
 *  taken while holding no granule (RSI_ATTEST_TOKEN_INIT's REC is claimed,
 *  not locked) and given back after the last granule lock; the CSM registry's
 *  lock (csm_registry.c) is a leaf, held for no other lock.
 *
 *  The RD's refcount (number of RECs) is atomic: REC_DESTROY drops it while
 *  holding only the REC, since taking the RD there would break rule 1.
 *
 * What each command takes (argument set first, then owned granules):
 *  REALM_CREATE      {RD, root RTTs}
 *  REALM_DESTROY     {RD}, then its root RTTs
 *  REC_CREATE        {RD, REC, aux...} once the parameters name the aux
 *  REC_DESTROY       {REC}, then its aux granules
 *  REC_ENTER         {REC}: claimed (refcount) and released before the realm
 *                    runs; the RSI and PSCI handlers then take the owner RD
 *                    (rd_lock_owner), then the walk, holding nothing else
 *  PSCI_COMPLETE     {calling REC, target REC}
 *  RTT_SET_RIPAS     {RD, REC}, then the walk
 *  RTT_CREATE, DATA_CREATE(_UNKNOWN)  {RD, new granule}, then the walk
 *  other RTT/DATA commands, INIT_RIPAS  {RD}, then the walk (DATA_DESTROY
 *                    then the DATA granule the entry maps)
 *  GRANULE_(UN)DELEGATE  {granule}
 *  RMI_CSM_CREATE    {RD, REC, CSMD, CSM_META} (the last two DELEGATED)
 *  RMI_CSM_DATA_ADD, RMI_CSM_LIST_ADD  {CSMD, new granule}, then the list
 *  RMI_CSM_DATA_REMOVE  {CSMD}, then the list and the page
 *  RMI_CSM_DESTROY   {CSMD}, then CSM_META, then the owner's RD
 *  RSI_CSM_CREATE's completion (REC_ENTER)  the CSMD its REC was bound to
 */
#include "granule.h"

static struct granule granules[GRANULE_MAX_COUNT];
static uint64_t dram_base_pa;
static uint64_t dram_granules;

int granule_array_init(uint64_t dram_base, uint64_t dram_size)
{
	uint64_t count = dram_size >> GRANULE_SHIFT;

	if ((dram_base & (GRANULE_SIZE - 1)) || (dram_size & (GRANULE_SIZE - 1)) ||
	    count > GRANULE_MAX_COUNT)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		atomic_store_explicit(&granules[i].lock.word, 0, memory_order_relaxed);
		atomic_store_explicit(&granules[i].refcount, 0, memory_order_relaxed);
		granules[i].state = GRANULE_STATE_NS;
	}
	dram_base_pa = dram_base;
	dram_granules = count;
	return 0;
}

struct granule *granule_from_pa(uint64_t pa)
{
	uint64_t index;

	if (pa & (GRANULE_SIZE - 1))
		return NULL;
	if (pa < dram_base_pa)
		return NULL;
	index = (pa - dram_base_pa) >> GRANULE_SHIFT;
	if (index >= dram_granules)
		return NULL;
	return &granules[index];
}

uint64_t granule_pa(const struct granule *g)
{
	return dram_base_pa + ((uint64_t)(g - granules) << GRANULE_SHIFT);
}

void granule_lock(struct granule *g)
{
	plat_lock_acquire(&g->lock);
}

void granule_unlock(struct granule *g)
{
	plat_lock_release(&g->lock);
}

void granule_unlock_transition(struct granule *g, unsigned new_state)
{
	g->state = (uint8_t)new_state;
	plat_lock_release(&g->lock);
}

struct granule *granule_lock_expect(uint64_t pa, unsigned expected)
{
	struct granule *g = granule_from_pa(pa);

	if (!g)
		return NULL;
	granule_lock(g);
	if (g->state != expected) {
		granule_unlock(g);
		return NULL;
	}
	return g;
}

struct granule *granule_owned(uint64_t pa, const char *why)
{
	struct granule *g = granule_from_pa(pa);

	if (!g)
		plat_panic(why);
	return g;
}

struct granule *granule_lock_owned(uint64_t pa, unsigned expected, const char *why)
{
	struct granule *g = granule_owned(pa, why);

	granule_lock(g);
	if (g->state != expected)
		plat_panic(why);
	return g;
}

/* The set order of rule 1: CSMDs, then CSM_METAs, then everything else. */
static unsigned lock_rank(unsigned expected)
{
	return expected == GRANULE_STATE_CSMD ? 0 : expected == GRANULE_STATE_CSM_META ? 1 : 2;
}

static bool lock_before(const struct granule_lock_req *a, const struct granule_lock_req *b)
{
	unsigned ra = lock_rank(a->expected), rb = lock_rank(b->expected);

	return ra != rb ? ra < rb : a->pa < b->pa;
}

bool granule_lock_set(struct granule_lock_req *reqs, unsigned n)
{
	unsigned order[GRANULE_LOCK_SET_MAX];

	if (n > GRANULE_LOCK_SET_MAX)
		plat_panic("granule_lock_set: set too large");
	/* Insertion sort: sets are tiny (at most an RD and 17 others). */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		reqs[i].g = granule_from_pa(reqs[i].pa);
		if (!reqs[i].g)
			return false;
		for (unsigned k = 0; k < i; k++)
			if (reqs[k].pa == reqs[i].pa)
				return false; /* one granule named twice */
		while (j > 0 && lock_before(&reqs[i], &reqs[order[j - 1]])) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (unsigned i = 0; i < n; i++) {
		struct granule_lock_req *r = &reqs[order[i]];

		granule_lock(r->g);
		if (r->g->state != r->expected) {
			for (unsigned k = 0; k <= i; k++)
				granule_unlock(reqs[order[k]].g);
			return false;
		}
	}
	return true;
}

void granule_unlock_set(struct granule_lock_req *reqs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		granule_unlock(reqs[i].g);
}

void *granule_map(struct granule *g)
{
	void *va = plat_granule_map(granule_pa(g));

	if (!va)
		plat_panic("granule_map: platform cannot map a DRAM granule");
	return va;
}

void granule_unmap(void *va)
{
	plat_granule_unmap(va);
}

void granule_scrub(struct granule *g)
{
	void *va = granule_map(g);

	__builtin_memset(va, 0, GRANULE_SIZE);
	granule_unmap(va);
}

void granule_unlock_delegated(struct granule *g)
{
	granule_scrub(g);
	granule_unlock_transition(g, GRANULE_STATE_DELEGATED);
}

void granule_refcount_sub(struct granule *g, uint32_t n)
{
	uint32_t old = atomic_fetch_sub_explicit(&g->refcount, n, memory_order_acq_rel);

	if (old < n)
		plat_panic("granule refcount underflow");
}
