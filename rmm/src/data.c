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
	if (measure) {
		measurement_extend_data(rd->hash_algo, rd->rim, ipa, flags, content);
		rd_rim_extended(rd);
	}
	rtt_walk_set_entry(rd, &w, ipa, s2tte_make_assigned(granule_pa(g_data), new_ripas, w.level));
	rtt_walk_unlock(&w);
	return RMI_OK;
}

/*
 * DATA_CREATE(rd, data, ipa, src, flags). Failure conditions, in order:
 *   src_align                                    ERROR_INPUT
 *   rd_*, data_align/bound/state                 ERROR_INPUT (one lock set)
 *   src_bound, src_pas, flags                    ERROR_INPUT
 *   realm_state                                  ERROR_REALM
 *   ipa_align, ipa_bound                         ERROR_INPUT
 *   rtt_walk, rtte_state                         ERROR_RTT(level)
 * The realm state is checked before the IPA, as the reference monitor
 * (TF-RMM rel0) does; rmm-abi.md's list has the IPA first, and the
 * specification leaves the order between them open. All ERROR_INPUT
 * conditions before realm_state are indistinguishable to the caller.
 */
static uint64_t data_create(struct rd *rd, struct granule *g_data, const uint64_t *x)
{
	const struct rmi_data_create_args a = rmi_data_create_args(x);
	void *data = granule_map(g_data);
	uint64_t status;

	/* The source is copied into monitor memory first, so the bytes measured
	 * and mapped are the same bytes, whatever the host does to src meanwhile. */
	if (!plat_ns_read(a.src_pa, data, GRANULE_SIZE) || a.flags > RMI_MEASURE_CONTENT)
		status = RMI_INPUT_ERROR;                         /* src_bound, src_pas, flags */
	else if (rd->state != REALM_STATE_NEW)
		status = RMI_REALM_ERROR(0);                      /* realm_state */
	else if (!data_ipa_valid(rd, a.ipa))
		status = RMI_INPUT_ERROR;                         /* ipa_align, ipa_bound */
	else
		status = data_map(rd, g_data, a.ipa, true, a.flags,
				  a.flags == RMI_MEASURE_CONTENT ? data : NULL, RIPAS_RAM);
	granule_unmap(data);
	if (status != RMI_OK)
		granule_scrub(g_data); /* it stays DELEGATED, so it must be zero */
	return status;
}

uint64_t smc_data_create(const uint64_t *x, struct rmi_result *res)
{
	(void)res;
	if (!is_aligned(rmi_data_create_args(x).src_pa, GRANULE_SIZE))
		return RMI_INPUT_ERROR;                           /* src_align */
	return rd_new_granule_command(x, GRANULE_STATE_DATA, data_create);
}

/* DATA_CREATE_UNKNOWN(rd, data, ipa): rd_*, data_*, ipa_align, ipa_bound
 * (ERROR_INPUT), rtt_walk, rtte_state (ERROR_RTT). Any realm state. */
static uint64_t data_create_unknown(struct rd *rd, struct granule *g_data, const uint64_t *x)
{
	const struct rmi_data_create_unknown_args a = rmi_data_create_unknown_args(x);

	if (!data_ipa_valid(rd, a.ipa))
		return RMI_INPUT_ERROR;
	return data_map(rd, g_data, a.ipa, false, 0, NULL, -1);
}

uint64_t smc_data_create_unknown(const uint64_t *x, struct rmi_result *res)
{
	(void)res;
	return rd_new_granule_command(x, GRANULE_STATE_DATA, data_create_unknown);
}

/* DATA_DESTROY(rd, ipa): rd_*, ipa_align, ipa_bound (ERROR_INPUT), rtt_walk,
 * rtte_state (ERROR_RTT); X1 = the granule's PA, X2 = the next live IPA. */
static uint64_t data_destroy(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_data_destroy_args a = rmi_data_destroy_args(x);
	uint64_t ipa = a.ipa, e;
	struct granule *g_data;
	struct rtt_walk w;
	uint64_t status = RMI_OK;

	if (!data_ipa_valid(rd, ipa))
		return RMI_INPUT_ERROR;
	rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, &w);
	e = rtt_walk_entry(&w);
	if (w.level < S2TT_PAGE_LEVEL || s2tte_state(e, w.level) != S2TTE_ASSIGNED) {
		status = RMI_RTT_ERROR(w.level);
	} else {
		unsigned ripas = s2tte_ripas(e, w.level) == RIPAS_EMPTY ? RIPAS_EMPTY : RIPAS_DESTROYED;

		res->x[1] = s2tte_pa(e, w.level);
		rtt_walk_set_entry(rd, &w, ipa, s2tte_make_unassigned(ripas));
		g_data = granule_lock_owned(res->x[1], GRANULE_STATE_DATA,
					    "data_destroy: an ASSIGNED entry does not map a DATA granule");
		granule_unlock_delegated(g_data);
	}
	res->x[2] = s2tt_skip_non_live(w.table, w.level, w.index, ipa);
	rtt_walk_unlock(&w);
	return status;
}

uint64_t smc_data_destroy(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, data_destroy);
}
