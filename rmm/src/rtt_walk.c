/*
 * RTT walks and entry updates (lock order: granule.c, rule 2).
 */
#include "rtt.h"

int rtt_level_arg(uint64_t level)
{
	return level <= S2TT_PAGE_LEVEL ? (int)level : -1;
}

struct granule *rtt_lock_table(uint64_t pa)
{
	return granule_lock_owned(pa, GRANULE_STATE_RTT, "rtt: a table entry does not name an RTT granule");
}

void rtt_walk_lock(const struct rd *rd, uint64_t ipa, int target_level, struct rtt_walk *w)
{
	int level = rd->rtt_level_start;
	uint64_t root = ipa >> (s2tt_level_shift(level) + 9); /* which concatenated table */
	struct granule *g = rtt_lock_table(rd->rtt_base + root * GRANULE_SIZE);
	uint64_t *table = granule_map(g);

	for (;;) {
		unsigned index = s2tt_index(ipa, level);
		uint64_t e = rtt_entry_read(table, index);
		struct granule *child;

		if (level >= target_level || s2tte_state(e, level) != S2TTE_TABLE) {
			w->g = g;
			w->table = table;
			w->level = level;
			w->index = index;
			return;
		}
		child = rtt_lock_table(s2tte_pa(e, level));
		granule_unmap(table);
		granule_unlock(g);
		g = child;
		table = granule_map(g);
		level++;
	}
}

void rtt_walk_unlock(struct rtt_walk *w)
{
	granule_unmap(w->table);
	granule_unlock(w->g);
	w->g = NULL;
	w->table = NULL;
}

void rtt_walk_set_entry(const struct rd *rd, struct rtt_walk *w, uint64_t ipa, uint64_t e)
{
	uint64_t old = rtt_walk_entry(w);
	bool was_live = s2tte_is_live(old, w->level);
	bool is_live = s2tte_is_live(e, w->level);
	uint64_t size = s2tt_level_size(w->level);

	rtt_entry_write(w->table, w->index, e);
	if (s2tte_is_valid(old) && old != e)
		plat_s2_tlbi_ipa(rd->vmid, ipa & ~(size - 1), size);
	if (is_live && !was_live)
		granule_refcount_add(w->g, 1);
	else if (was_live && !is_live)
		granule_refcount_sub(w->g, 1);
}
