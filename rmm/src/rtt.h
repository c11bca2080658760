/*
 * Realm Translation Tables: a realm's stage-2 tables, kept in RTT granules.
 *
 * A walk starts at the concatenated root tables named in the RD (the caller
 * holds the RD's lock) and descends through TABLE entries, locking each child
 * before releasing its parent (hand over hand), so the walk ends holding only
 * the table in which it stopped. An RTT granule's refcount is the number of
 * live entries (ASSIGNED, ASSIGNED_NS, TABLE) in it.
 */
#ifndef RMM_RTT_H
#define RMM_RTT_H

#include <stdint.h>

#include "granule.h"
#include "realm.h"
#include "s2tt.h"

struct rtt_walk {
	struct granule *g; /* the locked RTT where the walk stopped */
	uint64_t *table;   /* its mapping */
	int level;         /* its level */
	unsigned index;    /* the entry covering the walked IPA */
};

/* Locks the RTT granule a TABLE entry (or the RD's root list) names. */
struct granule *rtt_lock_table(uint64_t pa);

/* Walks towards target_level (>= the realm's start level); ipa < rd_ipa_top(rd). */
void rtt_walk_lock(const struct rd *rd, uint64_t ipa, int target_level, struct rtt_walk *w);
void rtt_walk_unlock(struct rtt_walk *w);

/* Entries are read and written with single-copy atomic 64-bit accesses, as
 * the MMU's table walker may read them at any time. */
static inline uint64_t rtt_entry_read(const uint64_t *table, unsigned index)
{
	return __atomic_load_n(&table[index], __ATOMIC_RELAXED);
}

static inline void rtt_entry_write(uint64_t *table, unsigned index, uint64_t e)
{
	__atomic_store_n(&table[index], e, __ATOMIC_RELEASE);
}

static inline uint64_t rtt_walk_entry(const struct rtt_walk *w)
{
	return rtt_entry_read(w->table, w->index);
}

/* Updates the walked entry, keeping the table's live-entry count in step and
 * invalidating the TLBs for the entry's range if it was a valid mapping. */
void rtt_walk_set_entry(const struct rd *rd, struct rtt_walk *w, uint64_t ipa, uint64_t e);

/* The level argument of an RTT command as an int, or -1 if out of 0..3. */
int rtt_level_arg(uint64_t level);

#endif
