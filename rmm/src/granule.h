/*
 * Granules: the monitor's record of every 4 KiB granule of DRAM.
 *
 * Each granule has a state (abi/rmi.h GRANULE_STATE_*), a reference count and
 * a lock. The state and the granule's contents belong to whoever holds the
 * lock; the state is only ever changed by the holder, at unlock time
 * (granule_unlock_transition), so nobody observes a half-built object. The
 * lock order is written at the top of granule.c.
 */
#ifndef RMM_GRANULE_H
#define RMM_GRANULE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/caec.h" /* the extension's granule states */
#include "abi/rmi.h"
#include "plat/plat.h"

/* The largest DRAM the monitor can describe: 4 Mi granules = 16 GiB. */
#define GRANULE_MAX_COUNT (UINT64_C(1) << 22)
#define GRANULE_SIZE      PLAT_GRANULE_SIZE
#define GRANULE_SHIFT     PLAT_GRANULE_SHIFT

struct granule {
	plat_lock_t lock;
	_Atomic uint32_t refcount;
	uint8_t state; /* written only while locked */
};

/* Resets every granule to NS for DRAM [base, base + size). -1 if it does not fit. */
int granule_array_init(uint64_t dram_base, uint64_t dram_size);

/* The granule holding pa, or NULL if pa is not granule aligned or not in DRAM
 * (the "align" and "bound" failure conditions). */
struct granule *granule_from_pa(uint64_t pa);
uint64_t granule_pa(const struct granule *g);

void granule_lock(struct granule *g);
void granule_unlock(struct granule *g);
/* Sets the state, then releases: the new state is visible with the lock. */
void granule_unlock_transition(struct granule *g, unsigned new_state);

/* Looks up pa, locks it and checks it is in state `expected`. NULL (nothing
 * held) when pa is unaligned, outside DRAM or in another state. */
struct granule *granule_lock_expect(uint64_t pa, unsigned expected);

/* Owned granules (lock rule 2): a granule the monitor's own records name (an
 * RTT entry, a REC's owner RD or aux list), never the host. Not being in DRAM,
 * or for granule_lock_owned in state `expected`, means those records are
 * corrupt: the monitor panics with `why` rather than carry on. */
struct granule *granule_owned(uint64_t pa, const char *why);
struct granule *granule_lock_owned(uint64_t pa, unsigned expected, const char *why);

/* One argument granule of a command, for granule_lock_set(). */
struct granule_lock_req {
	uint64_t pa;       /* in: address the host gave */
	unsigned expected; /* in: state the command needs */
	struct granule *g; /* out: the locked granule */
};

/* Locks the granules of reqs[0..n) in ascending PA order, checking each one's
 * state as soon as it is held. Returns true with all held, or false with none
 * held (an address invalid, a state wrong, or two requests for one granule).
 * n <= GRANULE_LOCK_SET_MAX. */
#define GRANULE_LOCK_SET_MAX 20
bool granule_lock_set(struct granule_lock_req *reqs, unsigned n);
void granule_unlock_set(struct granule_lock_req *reqs, unsigned n);

/* Contents. The caller holds the lock. */
void *granule_map(struct granule *g);
void granule_unmap(void *va);
/* Zeroes the granule: every granule that goes back to DELEGATED is scrubbed. */
void granule_scrub(struct granule *g);
/* The end of an object's life: scrubs the locked granule and releases it as
 * DELEGATED. */
void granule_unlock_delegated(struct granule *g);

static inline unsigned granule_state(const struct granule *g)
{
	return g->state;
}

static inline uint32_t granule_refcount(struct granule *g)
{
	return atomic_load_explicit(&g->refcount, memory_order_acquire);
}

static inline void granule_refcount_add(struct granule *g, uint32_t n)
{
	atomic_fetch_add_explicit(&g->refcount, n, memory_order_acq_rel);
}

void granule_refcount_sub(struct granule *g, uint32_t n);

#endif
