/*
 * RMI commands on a realm's protected memory: DATA_CREATE,
 * DATA_CREATE_UNKNOWN and DATA_DESTROY.
 *
 * Locks (granule.c): RD and the new DATA granule as one argument set, then
 * the walk; DATA_DESTROY takes the DATA granule after the RTT that maps it.
 */
#include "checked_math.h"
#include "rmi_handlers.h"
#include "rtt.h"

static bool data_ipa_valid(const struct rd *rd, uint64_t ipa)
{
	return is_aligned(ipa, GRANULE_SIZE) && rd_ipa_is_protected(rd, ipa);
}

/* rtt_walk and rtte_state for a new mapping at ipa; the walk stays held on success. */
static uint64_t walk_to_unassigned_page(const struct rd *rd, uint64_t ipa, struct rtt_walk *w)
{
	rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, w);
	if (w->level < S2TT_PAGE_LEVEL || s2tte_state(rtt_walk_entry(w), w->level) != S2TTE_UNASSIGNED) {
		uint64_t status = RMI_RTT_ERROR(w->level);

		rtt_walk_unlock(w);
		return status;
	}
	return RMI_OK;
}

/* Shared by both creates. content: the granule's copy of src when measured
 * (NULL otherwise); ripas: what the entry gets, or -1 to keep its RIPAS. */
static uint64_t data_map(struct rd *rd, struct granule *g_data, uint64_t ipa, bool measure,
			 uint64_t flags, const void *content, int ripas)
{
	struct rtt_walk w;
	uint64_t status = walk_to_unassigned_page(rd, ipa, &w);
	unsigned new_ripas;

	if (status != RMI_OK)
		return status;
	new_ripas = ripas < 0 ? s2tte_ripas(rtt_walk_entry(&w), w.level) : (unsigned)ripas;
	if (measure)
		measurement_extend_data(rd->hash_algo, rd->rim, ipa, flags, content);
	rtt_walk_set_entry(rd, &w, ipa, s2tte_make_assigned(granule_pa(g_data), new_ripas, w.level));
	rtt_walk_unlock(&w);
	return RMI_OK;
}

uint64_t smc_data_create(const uint64_t *x, struct rmi_result *res)
{
	struct granule_lock_req locks[2] = {
		{ .pa = x[1], .expected = GRANULE_STATE_RD },
		{ .pa = x[2], .expected = GRANULE_STATE_DELEGATED },
	};
	uint64_t ipa = x[3], src = x[4], flags = x[5];
	uint64_t status = RMI_INPUT_ERROR;
	void *data;
	struct rd *rd;

	(void)res;
	if (!is_aligned(src, GRANULE_SIZE) || !granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[0].g);
	data = granule_map(locks[1].g);
	/* The source is copied into monitor memory first, so the bytes measured
	 * and mapped are the same bytes, whatever the host does to src meanwhile. */
	if (!plat_ns_read(src, data, GRANULE_SIZE))
		status = RMI_INPUT_ERROR;                         /* src_bound, src_pas */
	else if (flags > RMI_MEASURE_CONTENT || !data_ipa_valid(rd, ipa))
		status = RMI_INPUT_ERROR;                         /* flags, ipa_align, ipa_bound */
	else if (rd->state != REALM_STATE_NEW)
		status = RMI_REALM_ERROR(0);
	else
		status = data_map(rd, locks[1].g, ipa, true, flags,
				  flags == RMI_MEASURE_CONTENT ? data : NULL, RIPAS_RAM);
	granule_unmap(data);
	granule_unmap(rd);
	if (status == RMI_OK) {
		granule_unlock_transition(locks[1].g, GRANULE_STATE_DATA);
	} else {
		granule_scrub(locks[1].g); /* it stays DELEGATED, so it must be zero */
		granule_unlock(locks[1].g);
	}
	granule_unlock(locks[0].g);
	return status;
}

uint64_t smc_data_create_unknown(const uint64_t *x, struct rmi_result *res)
{
	struct granule_lock_req locks[2] = {
		{ .pa = x[1], .expected = GRANULE_STATE_RD },
		{ .pa = x[2], .expected = GRANULE_STATE_DELEGATED },
	};
	uint64_t ipa = x[3];
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	(void)res;
	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[0].g);
	if (data_ipa_valid(rd, ipa))
		status = data_map(rd, locks[1].g, ipa, false, 0, NULL, -1);
	granule_unmap(rd);
	if (status == RMI_OK)
		granule_unlock_transition(locks[1].g, GRANULE_STATE_DATA);
	else
		granule_unlock(locks[1].g);
	granule_unlock(locks[0].g);
	return status;
}

static void release_data_granule(uint64_t pa)
{
	struct granule *g = granule_from_pa(pa);

	if (!g)
		plat_panic("data_destroy: mapped PA outside DRAM");
	granule_lock(g);
	if (granule_state(g) != GRANULE_STATE_DATA)
		plat_panic("data_destroy: mapped granule is not DATA");
	granule_scrub(g);
	granule_unlock_transition(g, GRANULE_STATE_DELEGATED);
}

uint64_t smc_data_destroy(const uint64_t *x, struct rmi_result *res)
{
	uint64_t ipa = x[2];
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);
	struct rtt_walk w;
	uint64_t status = RMI_INPUT_ERROR;
	struct rd *rd;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	if (data_ipa_valid(rd, ipa)) {
		uint64_t e;

		rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, &w);
		e = rtt_walk_entry(&w);
		if (w.level < S2TT_PAGE_LEVEL || s2tte_state(e, w.level) != S2TTE_ASSIGNED) {
			status = RMI_RTT_ERROR(w.level);
		} else {
			unsigned ripas = s2tte_ripas(e, w.level) == RIPAS_EMPTY ? RIPAS_EMPTY : RIPAS_DESTROYED;

			res->x[1] = s2tte_pa(e, w.level);
			rtt_walk_set_entry(rd, &w, ipa, s2tte_make_unassigned(ripas));
			release_data_granule(res->x[1]);
			status = RMI_OK;
		}
		res->x[2] = s2tt_skip_non_live(w.table, w.level, w.index, ipa);
		rtt_walk_unlock(&w);
	}
	granule_unmap(rd);
	granule_unlock(g_rd);
	return status;
}
