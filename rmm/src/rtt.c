/*
 * RMI commands on a realm's RTT structure: RTT_CREATE, RTT_DESTROY, RTT_FOLD,
 * RTT_MAP_UNPROTECTED, RTT_UNMAP_UNPROTECTED, RTT_READ_ENTRY.
 *
 * Locks: the RD (and for RTT_CREATE the new RTT) as argument granules, then
 * the walk, then for DESTROY/FOLD the child RTT under its parent.
 *
 * The CAEC extension: RTT_MAP_UNPROTECTED fails with ERROR_REALM, before
 * its other checks, for a realm whose policy keeps it from host-visible
 * memory (a non-gateway realm with a policy, or a POLICY_REQUIRED realm
 * without one yet: policy.h); the RD counts the bytes mapped unprotected
 * (ns_mapped), which RSI_POLICY_SET needs to be zero.
 */
#include "checked_math.h"
#include "policy.h"
#include "rmi_handlers.h"
#include "rtt.h"

/* Argument checks shared by CREATE/DESTROY/FOLD: the level of the RTT that
 * is created or removed (never a root), an IPA aligned to the range it maps. */
static bool structure_args_valid(const struct rd *rd, uint64_t ipa, int level)
{
	if (level < 0 || level <= rd->rtt_level_start || level > S2TT_PAGE_LEVEL)
		return false;
	return s2tt_level_aligned(ipa, level - 1) && ipa < rd_ipa_top(rd);
}

/* MAP/UNMAP_UNPROTECTED: a mapping level, an unprotected IPA aligned to it. */
static bool unprotected_args_valid(const struct rd *rd, uint64_t ipa, int level)
{
	if (level < 0 || !s2tt_level_allows_block(level) || level < rd->rtt_level_start)
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

/* The checks CREATE, DESTROY and FOLD share, in their failure order: the
 * arguments, then the walk to the entry at `level - 1` that the RTT at
 * `level` hangs from, which must be a TABLE (DESTROY/FOLD) or not (CREATE).
 * On RMI_OK the walk is held; otherwise nothing is, and after a failed walk
 * *top (if top is not NULL) is the IPA of the next live entry. */
static uint64_t walk_to_parent_entry(const struct rd *rd, uint64_t ipa, int level, bool is_table,
				     struct rtt_walk *w, uint64_t *top)
{
	if (!structure_args_valid(rd, ipa, level))
		return RMI_INPUT_ERROR;
	rtt_walk_lock(rd, ipa, level - 1, w);
	if (w->level < level - 1 ||
	    (s2tte_state(rtt_walk_entry(w), w->level) == S2TTE_TABLE) != is_table) {
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

static uint64_t rtt_create(struct rd *rd, struct granule *g_rtt, const uint64_t *x)
{
	const struct rmi_rtt_create_args a = rmi_rtt_create_args(x);
	uint64_t ipa = a.ipa;
	int level = rtt_level_arg(a.level);
	struct rtt_walk w;
	uint64_t status = walk_to_parent_entry(rd, ipa, level, false, &w, NULL);

	if (status != RMI_OK)
		return status;
	create_table(rd, &w, ipa, level, g_rtt);
	rtt_walk_unlock(&w);
	return RMI_OK;
}

uint64_t smc_rtt_create(const uint64_t *x, struct rmi_result *res)
{
	(void)res;
	return rd_new_granule_command(x, GRANULE_STATE_RTT, rtt_create);
}

/* DESTROY/FOLD: walk_to_parent_entry to a TABLE entry, then lock the child
 * RTT it points to. On RMI_OK both are held. */
static uint64_t lock_child(const struct rd *rd, uint64_t ipa, int level, struct rtt_walk *w,
			   struct granule **g_child, uint64_t *top)
{
	uint64_t status = walk_to_parent_entry(rd, ipa, level, true, w, top);

	if (status == RMI_OK)
		*g_child = rtt_lock_table(s2tte_pa(rtt_walk_entry(w), w->level));
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
	granule_unlock_delegated(g_child);
}

static uint64_t rtt_destroy(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_entry_args a = rmi_rtt_entry_args(x);
	uint64_t ipa = a.ipa;
	int level = rtt_level_arg(a.level);
	struct granule *g_child;
	struct rtt_walk w;
	uint64_t status = lock_child(rd, ipa, level, &w, &g_child, &res->x[2]);

	if (status != RMI_OK)
		return status;
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
	return status;
}

uint64_t smc_rtt_destroy(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, rtt_destroy);
}

static uint64_t rtt_fold(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_entry_args a = rmi_rtt_entry_args(x);
	uint64_t ipa = a.ipa;
	int level = rtt_level_arg(a.level);
	struct granule *g_child;
	struct rtt_walk w;
	uint64_t folded, *child;
	bool homogeneous;
	uint64_t status = lock_child(rd, ipa, level, &w, &g_child, NULL);

	if (status != RMI_OK)
		return status;
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
	return status;
}

uint64_t smc_rtt_fold(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, rtt_fold);
}

/* The walk and state checks of MAP/UNMAP_UNPROTECTED, after their argument
 * checks: the entry at `level` must be in state `from`; it becomes `to`.
 * *top (if top is not NULL) gets the IPA of the next live entry after the
 * walk, whether or not the entry was changed. */
static uint64_t swap_unprotected_entry(const struct rd *rd, uint64_t ipa, int level,
				       enum s2tte_state from, uint64_t to, uint64_t *top)
{
	struct rtt_walk w;
	uint64_t status = RMI_OK;

	rtt_walk_lock(rd, ipa, level, &w);
	if (w.level < level)
		status = RMI_RTT_ERROR(w.level);
	else if (s2tte_state(rtt_walk_entry(&w), level) != from)
		status = RMI_RTT_ERROR(level);
	else
		rtt_walk_set_entry(rd, &w, ipa, to);
	if (top)
		*top = s2tt_skip_non_live(w.table, w.level, w.index, ipa);
	rtt_walk_unlock(&w);
	return status;
}

static uint64_t rtt_map_unprotected(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_map_unprotected_args a = rmi_rtt_map_unprotected_args(x);
	uint64_t ipa = a.ipa, desc = a.desc;
	int level = rtt_level_arg(a.level);

	(void)res;
	if (!policy_allows_unprotected(rd))
		return RMI_REALM_ERROR(0);
	if (!unprotected_args_valid(rd, ipa, level) || !s2tt_host_desc_valid(desc, level))
		return RMI_INPUT_ERROR;
	uint64_t status = swap_unprotected_entry(rd, ipa, level, S2TTE_UNASSIGNED_NS,
						 s2tte_make_assigned_ns(desc, level), NULL);
	if (status == RMI_OK)
		rd->ns_mapped += s2tt_level_size(level);
	return status;
}

uint64_t smc_rtt_map_unprotected(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_map_unprotected_args a = rmi_rtt_map_unprotected_args(x);
	int level = rtt_level_arg(a.level);

	if (level >= 0 && s2tt_host_desc_valid(a.desc, level) && !unprotected_output_is_ns(a.desc, level))
		return RMI_INPUT_ERROR; /* desc names a Realm granule */
	return rd_command(x, res, rtt_map_unprotected);
}

static uint64_t rtt_unmap_unprotected(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_entry_args a = rmi_rtt_entry_args(x);
	uint64_t ipa = a.ipa;
	int level = rtt_level_arg(a.level);

	if (!unprotected_args_valid(rd, ipa, level))
		return RMI_INPUT_ERROR;
	uint64_t status = swap_unprotected_entry(rd, ipa, level, S2TTE_ASSIGNED_NS, s2tte_make_unassigned_ns(),
						 &res->x[1]);
	if (status == RMI_OK)
		rd->ns_mapped -= s2tt_level_size(level);
	return status;
}

uint64_t smc_rtt_unmap_unprotected(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, rtt_unmap_unprotected);
}

static uint64_t rmi_entry_state(enum s2tte_state s)
{
	switch (s) {
	case S2TTE_ASSIGNED:
	case S2TTE_ASSIGNED_NS:
	case S2TTE_ASSIGNED_CSM: /* the host sees a CSM page as ASSIGNED, RIPAS RAM */
		return RMI_ASSIGNED;
	case S2TTE_TABLE:
		return RMI_TABLE;
	default:
		return RMI_UNASSIGNED;
	}
}

static uint64_t rtt_read_entry(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_entry_args a = rmi_rtt_entry_args(x);
	uint64_t ipa = a.ipa, e;
	int level = rtt_level_arg(a.level);
	struct rtt_walk w;

	if (level < rd->rtt_level_start || !s2tt_level_aligned(ipa, level) || ipa >= rd_ipa_top(rd))
		return RMI_INPUT_ERROR;
	rtt_walk_lock(rd, ipa, level, &w);
	e = rtt_walk_entry(&w);
	res->x[1] = (uint64_t)w.level;
	res->x[2] = rmi_entry_state(s2tte_state(e, w.level));
	res->x[3] = s2tte_host_view(e, w.level);
	res->x[4] = s2tte_ripas(e, w.level);
	rtt_walk_unlock(&w);
	return RMI_OK;
}

uint64_t smc_rtt_read_entry(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, rtt_read_entry);
}
