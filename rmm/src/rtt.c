/*
 * RMI commands on a realm's RTT structure: RTT_CREATE, RTT_DESTROY, RTT_FOLD,
 * RTT_MAP_UNPROTECTED, RTT_UNMAP_UNPROTECTED, RTT_READ_ENTRY.
 *
 * Locks: the RD (and for RTT_CREATE the new RTT) as argument granules, then
 * the walk, then for DESTROY/FOLD the child RTT under its parent.
 */
#include "checked_math.h"
#include "rmi_handlers.h"
#include "rtt.h"

/* Argument checks shared by CREATE/DESTROY/FOLD: the level of the RTT that
 * is created or removed (never a root), an IPA aligned to the range it maps. */
static bool structure_args_valid(const struct rd *rd, uint64_t ipa, int level)
{
	if (level <= rd->rtt_level_start || level > S2TT_PAGE_LEVEL)
		return false;
	return s2tt_level_aligned(ipa, level - 1) && ipa < rd_ipa_top(rd);
}

/* MAP/UNMAP_UNPROTECTED: a mapping level, an unprotected IPA aligned to it. */
static bool unprotected_args_valid(const struct rd *rd, uint64_t ipa, int level)
{
	if (!s2tt_level_allows_block(level) || level < rd->rtt_level_start)
		return false;
	return s2tt_level_aligned(ipa, level) && !rd_ipa_is_protected(rd, ipa) &&
	       ipa < rd_ipa_top(rd);
}

/* MAP_UNPROTECTED: the output range must not hold a granule the monitor has
 * given to the Realm world. The GPT would fault the realm's accesses anyway;
 * refusing the mapping up front makes the host's mistake (or attack) visible
 * and leaves nothing behind. Each granule is locked on its own, with no other
 * lock held, so the ascending lock order is kept. A host that delegates a
 * granule after mapping it is stopped by the granule protection check. */
static bool unprotected_output_is_ns(uint64_t desc, int level)
{
	uint64_t pa = s2tte_pa(desc, level);

	for (uint64_t off = 0; off < s2tt_level_size(level); off += GRANULE_SIZE) {
		struct granule *g = granule_from_pa(pa + off);
		unsigned state;

		if (!g)
			continue; /* not DRAM (e.g. a device the host emulates) */
		granule_lock(g);
		state = granule_state(g);
		granule_unlock(g);
		if (state != GRANULE_STATE_NS)
			return false;
	}
	return true;
}

/* Walks to `level - 1` and checks that the entry there is a TABLE. On success
 * the walk is held; otherwise it is released and the error returned. */
static uint64_t walk_to_table_entry(const struct rd *rd, uint64_t ipa, int level,
				    struct rtt_walk *w, uint64_t *top)
{
	rtt_walk_lock(rd, ipa, level - 1, w);
	if (w->level < level - 1 || s2tte_state(rtt_walk_entry(w), w->level) != S2TTE_TABLE) {
		uint64_t status = RMI_RTT_ERROR(w->level);

		if (top)
			*top = s2tt_skip_non_live(w->table, w->level, w->index, ipa);
		rtt_walk_unlock(w);
		return status;
	}
	return RMI_OK;
}

static void create_table(const struct rd *rd, struct rtt_walk *w, uint64_t ipa, int level,
			 struct granule *g_rtt)
{
	uint64_t parent = rtt_walk_entry(w);
	uint64_t *table = granule_map(g_rtt);
	int live = s2tt_unfold(parent, level, table);

	if (live < 0)
		plat_panic("rtt_create: parent entry cannot be unfolded");
	granule_unmap(table);
	granule_refcount_add(g_rtt, (uint32_t)live);
	rtt_walk_set_entry(rd, w, ipa, s2tte_make_table(granule_pa(g_rtt)));
}

uint64_t smc_rtt_create(const uint64_t *x, struct rmi_result *res)
{
	struct granule_lock_req locks[2] = {
		{ .pa = x[1], .expected = GRANULE_STATE_RD },
		{ .pa = x[2], .expected = GRANULE_STATE_DELEGATED },
	};
	uint64_t ipa = x[3];
	int level = rtt_level_arg(x[4]);
	struct rtt_walk w;
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	(void)res;
	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[0].g);
	if (level >= 0 && structure_args_valid(rd, ipa, level)) {
		rtt_walk_lock(rd, ipa, level - 1, &w);
		if (w.level < level - 1) {
			status = RMI_RTT_ERROR(w.level);
		} else if (s2tte_state(rtt_walk_entry(&w), w.level) == S2TTE_TABLE) {
			status = RMI_RTT_ERROR(w.level);
		} else {
			create_table(rd, &w, ipa, level, locks[1].g);
			status = RMI_OK;
		}
		rtt_walk_unlock(&w);
	}
	granule_unmap(rd);
	if (status == RMI_OK) {
		granule_unlock_transition(locks[1].g, GRANULE_STATE_RTT);
		granule_unlock(locks[0].g);
	} else {
		granule_unlock_set(locks, 2);
	}
	return status;
}

/* Removes the (locked) child RTT of the walked TABLE entry, replacing the
 * parent entry by `replacement`; rtt_walk_set_entry invalidates the TLBs for
 * the whole range the table mapped, since the old TABLE entry was valid. */
static void remove_child(const struct rd *rd, struct rtt_walk *w, uint64_t ipa,
			 struct granule *g_child, uint64_t replacement)
{
	rtt_walk_set_entry(rd, w, ipa, replacement);
	atomic_store_explicit(&g_child->refcount, 0, memory_order_release);
	granule_scrub(g_child);
	granule_unlock_transition(g_child, GRANULE_STATE_DELEGATED);
}

static struct granule *lock_child(const struct rtt_walk *w)
{
	struct granule *g = granule_from_pa(s2tte_pa(rtt_walk_entry(w), w->level));

	if (!g)
		plat_panic("rtt: table entry outside DRAM");
	granule_lock(g);
	if (granule_state(g) != GRANULE_STATE_RTT)
		plat_panic("rtt: table entry does not point to an RTT");
	return g;
}

uint64_t smc_rtt_destroy(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2];
	int level = rtt_level_arg(x[3]);
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	struct granule *g_child;
	struct rtt_walk w;
	uint64_t status;
	struct rd *rd;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	status = RMI_INPUT_ERROR;
	if (level < 0 || !structure_args_valid(rd, ipa, level))
		goto out;
	status = walk_to_table_entry(rd, ipa, level, &w, &res->x[2]);
	if (status != RMI_OK)
		goto out;
	g_child = lock_child(&w);
	if (granule_refcount(g_child) != 0) {
		granule_unlock(g_child);
		res->x[2] = ipa;
		status = RMI_RTT_ERROR(level);
	} else {
		uint64_t replacement = rd_ipa_is_protected(rd, ipa) ?
			s2tte_make_unassigned(RIPAS_DESTROYED) : s2tte_make_unassigned_ns();

		res->x[1] = granule_pa(g_child);
		remove_child(rd, &w, ipa, g_child, replacement);
		res->x[2] = s2tt_skip_non_live(w.table, w.level, w.index, ipa);
	}
	rtt_walk_unlock(&w);
out:
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}

uint64_t smc_rtt_fold(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2];
	int level = rtt_level_arg(x[3]);
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	struct granule *g_child;
	struct rtt_walk w;
	uint64_t status, folded;
	struct rd *rd;
	uint64_t *child;
	bool homogeneous;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	status = RMI_INPUT_ERROR;
	if (level < 0 || !structure_args_valid(rd, ipa, level))
		goto out;
	status = walk_to_table_entry(rd, ipa, level, &w, NULL);
	if (status != RMI_OK)
		goto out;
	g_child = lock_child(&w);
	child = granule_map(g_child);
	homogeneous = s2tt_fold(child, level, &folded);
	granule_unmap(child);
	if (!homogeneous) {
		granule_unlock(g_child);
		status = RMI_RTT_ERROR(level);
	} else {
		res->x[1] = granule_pa(g_child);
		remove_child(rd, &w, ipa, g_child, folded);
	}
	rtt_walk_unlock(&w);
out:
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}

uint64_t smc_rtt_map_unprotected(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2], desc = x[4];
	int level = rtt_level_arg(x[3]);
	struct granule *g_rd;
	struct rtt_walk w;
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	(void)res;
	if (level >= 0 && s2tt_host_desc_valid(desc, level) && !unprotected_output_is_ns(desc, level))
		return RMI_INPUT_ERROR; /* desc names a Realm granule */
	g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	if (level >= 0 && unprotected_args_valid(rd, ipa, level) && s2tt_host_desc_valid(desc, level)) {
		rtt_walk_lock(rd, ipa, level, &w);
		if (w.level < level) {
			status = RMI_RTT_ERROR(w.level);
		} else if (s2tte_state(rtt_walk_entry(&w), level) != S2TTE_UNASSIGNED_NS) {
			status = RMI_RTT_ERROR(level);
		} else {
			rtt_walk_set_entry(rd, &w, ipa, s2tte_make_assigned_ns(desc, level));
			status = RMI_OK;
		}
		rtt_walk_unlock(&w);
	}
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}

uint64_t smc_rtt_unmap_unprotected(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2];
	int level = rtt_level_arg(x[3]);
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	struct rtt_walk w;
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	if (level >= 0 && unprotected_args_valid(rd, ipa, level)) {
		rtt_walk_lock(rd, ipa, level, &w);
		if (w.level < level) {
			status = RMI_RTT_ERROR(w.level);
		} else if (s2tte_state(rtt_walk_entry(&w), level) != S2TTE_ASSIGNED_NS) {
			status = RMI_RTT_ERROR(level);
		} else {
			rtt_walk_set_entry(rd, &w, ipa, s2tte_make_unassigned_ns());
			status = RMI_OK;
		}
		res->x[1] = s2tt_skip_non_live(w.table, w.level, w.index, ipa);
		rtt_walk_unlock(&w);
	}
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}

static uint64_t rmi_entry_state(enum s2tte_state s)
{
	switch (s) {
	case S2TTE_ASSIGNED:
	case S2TTE_ASSIGNED_NS:
		return RMI_ASSIGNED;
	case S2TTE_TABLE:
		return RMI_TABLE;
	default:
		return RMI_UNASSIGNED;
	}
}

uint64_t smc_rtt_read_entry(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2];
	int level = rtt_level_arg(x[3]);
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	struct rtt_walk w;
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	if (level >= rd->rtt_level_start && s2tt_level_aligned(ipa, level) && ipa < rd_ipa_top(rd)) {
		uint64_t e;

		rtt_walk_lock(rd, ipa, level, &w);
		e = rtt_walk_entry(&w);
		res->x[1] = (uint64_t)w.level;
		res->x[2] = rmi_entry_state(s2tte_state(e, w.level));
		res->x[3] = s2tte_host_view(e, w.level);
		res->x[4] = s2tte_ripas(e, w.level);
		rtt_walk_unlock(&w);
		status = RMI_OK;
	}
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}
