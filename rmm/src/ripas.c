/*
 * RIPAS changes driven by the host: RTT_INIT_RIPAS while the realm is built
 * (measured), RTT_SET_RIPAS to complete a REC's RIPAS change request.
 *
 * Both walk to the entry at `base` and then process the following entries of
 * that same table while they lie inside [base, top), returning how far they
 * got; the host calls again for the rest.
 */
#include "checked_math.h"
#include "rec.h"
#include "rmi_handlers.h"
#include "rtt.h"

/* Failure conditions after the walk, common to both commands: base aligned
 * to the entry it hits, top granule aligned, and at least that entry inside. */
static uint64_t check_range_at_walk(const struct rtt_walk *w, uint64_t base, uint64_t top,
				    bool (*entry_ok)(uint64_t e, int level, const void *ctx),
				    const void *ctx)
{
	uint64_t size = s2tt_level_size(w->level);

	if (!s2tt_level_aligned(base, w->level))
		return RMI_RTT_ERROR(w->level);                   /* base_align */
	if (entry_ok && !entry_ok(rtt_walk_entry(w), w->level, ctx))
		return RMI_RTT_ERROR(w->level);                   /* rtte_state */
	if (!is_aligned(top, GRANULE_SIZE))
		return RMI_INPUT_ERROR;                           /* top_gran_align */
	if (base + size > top)
		return RMI_RTT_ERROR(w->level);                   /* no_progress */
	return RMI_OK;
}

static bool init_ripas_entry_ok(uint64_t e, int level, const void *ctx)
{
	(void)ctx;
	return s2tte_state(e, level) == S2TTE_UNASSIGNED && s2tte_ripas(e, level) != RIPAS_DESTROYED;
}

static uint64_t init_ripas_apply(struct rd *rd, struct rtt_walk *w, uint64_t base, uint64_t top)
{
	uint64_t size = s2tt_level_size(w->level);
	uint64_t addr = base;

	for (unsigned i = w->index; i < S2TT_ENTRIES && addr + size <= top; i++, addr += size) {
		uint64_t e = rtt_entry_read(w->table, i);

		if (!init_ripas_entry_ok(e, w->level, NULL))
			break;
		rtt_entry_write(w->table, i, s2tte_make_unassigned(RIPAS_RAM));
		measurement_extend_ripas(rd->hash_algo, rd->rim, addr, addr + size);
		rd_rim_extended(rd);
	}
	return addr;
}

/*
 * RTT_INIT_RIPAS(rd, base, top). Failure conditions, in order:
 *   rd_align, rd_bound, rd_state                 ERROR_INPUT
 *   size_valid (top > base)                      ERROR_INPUT
 *   base_align, top_align (to a granule)         ERROR_INPUT
 *   base_bound, top_bound (inside the PAR)       ERROR_INPUT
 *   realm_state                                  ERROR_REALM
 *   base_align to the entry the walk reaches     ERROR_RTT(level)
 *   rtte_state, no_progress                      ERROR_RTT(level)
 * Granule alignment and bounds of both ends come before the realm state, as
 * in the reference monitor (TF-RMM rel0); rmm-abi.md's older list checks
 * base alignment only after the walk (ERROR_RTT) and top alignment last.
 * A base that is granule aligned but not aligned to the entry it hits is
 * still ERROR_RTT with that entry's level, as there.
 */
static uint64_t rtt_init_ripas(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_init_ripas_args a = rmi_rtt_init_ripas_args(x);
	uint64_t base = a.base, top = a.top;
	struct rtt_walk w;
	uint64_t status;

	if (top <= base)
		return RMI_INPUT_ERROR;                           /* size_valid */
	if (!is_aligned(base, GRANULE_SIZE) || !is_aligned(top, GRANULE_SIZE))
		return RMI_INPUT_ERROR;                           /* base_align, top_align */
	if (top > rd_protected_top(rd))
		return RMI_INPUT_ERROR;                           /* base_bound, top_bound */
	if (rd->state != REALM_STATE_NEW)
		return RMI_REALM_ERROR(0);                        /* realm_state */
	rtt_walk_lock(rd, base, S2TT_PAGE_LEVEL, &w);
	status = check_range_at_walk(&w, base, top, init_ripas_entry_ok, NULL);
	if (status == RMI_OK)
		res->x[1] = init_ripas_apply(rd, &w, base, top);
	rtt_walk_unlock(&w);
	return status;
}

uint64_t smc_rtt_init_ripas(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, rtt_init_ripas);
}

/* Whether the REC's request may change this entry's RIPAS. */
static bool set_ripas_entry_ok(uint64_t e, int level, const void *ctx)
{
	const struct rec *rec = ctx;
	enum s2tte_state s = s2tte_state(e, level);

	if (s != S2TTE_UNASSIGNED && s != S2TTE_ASSIGNED)
		return false;
	return s2tte_ripas(e, level) != RIPAS_DESTROYED || rec->ripas_change_destroyed;
}

static uint64_t set_ripas_apply(const struct rd *rd, const struct rec *rec, struct rtt_walk *w,
				uint64_t base, uint64_t top)
{
	uint64_t size = s2tt_level_size(w->level);
	uint64_t addr = base;
	unsigned start = w->index;

	for (unsigned i = start; i < S2TT_ENTRIES && addr + size <= top; i++, addr += size) {
		uint64_t e = rtt_entry_read(w->table, i);

		if (!set_ripas_entry_ok(e, w->level, rec))
			break;
		w->index = i;
		rtt_walk_set_entry(rd, w, addr, s2tte_with_ripas(e, w->level, (unsigned)rec->ripas_value));
	}
	w->index = start;
	return addr;
}

static uint64_t rtt_set_ripas(const struct rd *rd, struct rec *rec, const uint64_t *x,
			      struct rmi_result *res)
{
	const struct rmi_rtt_set_ripas_args a = rmi_rtt_set_ripas_args(x);
	uint64_t base = a.base, top = a.top;
	struct rtt_walk w;
	uint64_t status;

	if (rec->owner_rd != a.rd_pa)
		return RMI_REC_ERROR;                             /* rec_owner */
	if (top <= base)
		return RMI_INPUT_ERROR;                           /* size_valid */
	if (base != rec->ripas_addr)
		return RMI_INPUT_ERROR;                           /* base_bound */
	if (top > rec->ripas_top || top > rd_protected_top(rd))
		return RMI_INPUT_ERROR;                           /* top_bound */
	rtt_walk_lock(rd, base, S2TT_PAGE_LEVEL, &w);
	status = check_range_at_walk(&w, base, top, set_ripas_entry_ok, rec);
	if (status == RMI_OK) {
		rec->ripas_addr = set_ripas_apply(rd, rec, &w, base, top);
		res->x[1] = rec->ripas_addr;
	}
	rtt_walk_unlock(&w);
	return status;
}

uint64_t smc_rtt_set_ripas(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rtt_set_ripas_args a = rmi_rtt_set_ripas_args(x);
	struct granule_lock_req locks[2] = {
		{ .pa = a.rd_pa, .expected = GRANULE_STATE_RD },
		{ .pa = a.rec_pa, .expected = GRANULE_STATE_REC },
	};
	uint64_t status;
	struct rec *rec;
	struct rd *rd;

	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[0].g);
	rec = rec_map(locks[1].g);
	status = rtt_set_ripas(rd, rec, x, res);
	granule_unmap(rec);
	granule_unmap(rd);
	granule_unlock_set(locks, 2);
	return status;
}
