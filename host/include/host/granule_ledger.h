/*
 * The VMM's account of the machine's memory: every granule it takes from the
 * host allocator (hostsim_host_alloc) and gives back, and the leak checker.
 *
 * A VMM hands granules to the monitor (delegated RDs, RECs, RTTs, DATA) and
 * to realms (NS pages shared with them); after a realm is torn down every one
 * of them must be NS again and back in the allocator. The ledger counts the
 * granules the VMM holds from the allocator; a leak snapshot adds what the
 * machine says (how many granules are outside the NS PAS), so a leak shows
 * both as a granule the VMM never freed and as one stuck in the Realm PAS.
 */
#ifndef CAEC_HOST_GRANULE_LEDGER_H
#define CAEC_HOST_GRANULE_LEDGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct granule_ledger {
	_Atomic uint64_t held;       /* allocated and not yet freed */
	_Atomic uint64_t allocated;  /* total ever allocated, for reports */
};

#define GRANULE_LEDGER_NO_PA UINT64_MAX

/* A zeroed NS granule from the host allocator, or GRANULE_LEDGER_NO_PA. */
uint64_t ledger_alloc_ns(struct granule_ledger *l);
void ledger_free_ns(struct granule_ledger *l, uint64_t pa);
/* An NS granule handed to the monitor with GRANULE_DELEGATE; NO_PA when the
 * allocator is empty or the monitor refuses (then nothing is held). */
uint64_t ledger_alloc_delegated(struct granule_ledger *l);
/* GRANULE_UNDELEGATE, then free. Returns 0, or -EBUSY when the monitor still
 * uses the granule: it is then kept (counted as held) rather than handed to
 * the allocator in a state the host cannot use. */
int ledger_free_delegated(struct granule_ledger *l, uint64_t pa);

/* What the leak checker compares. */
struct leak_snapshot {
	uint64_t held;         /* the ledger's count */
	uint64_t not_ns;       /* DRAM granules in the Realm PAS (Root ones excluded) */
};
void leak_snapshot_take(const struct granule_ledger *l, struct leak_snapshot *s);
/* True when after shows no more granules held or delegated than before. */
bool leak_snapshot_same(const struct leak_snapshot *before, const struct leak_snapshot *after);

#endif
