/*
 * RMI commands on RECs: REC_CREATE, REC_DESTROY, REC_AUX_COUNT.
 *
 * Locks (granule.c): REC_CREATE first checks everything up to the aux
 * addresses holding {RD, REC}, then takes {RD, REC, aux...} as one argument
 * set in PA order (the aux addresses are only known from the parameters, so
 * they cannot join the first set without breaking the order) and re-checks
 * what may have changed in between. REC_DESTROY takes the REC, then its aux
 * granules (owned), and drops the RD's refcount without locking the RD.
 */
#include "checked_math.h"
#include "rec.h"
#include "realm.h"
#include "rmi_handlers.h"

#define MPIDR_AFF0_MASK UINT64_C(0x000000000f)
#define MPIDR_AFF1_MASK UINT64_C(0x000000ff00)
#define MPIDR_AFF2_MASK UINT64_C(0x0000ff0000)
#define MPIDR_AFF3_MASK UINT64_C(0xff00000000)

bool rec_mpidr_to_index(uint64_t mpidr, uint64_t *index)
{
	if (mpidr & ~(MPIDR_AFF0_MASK | MPIDR_AFF1_MASK | MPIDR_AFF2_MASK | MPIDR_AFF3_MASK))
		return false;
	*index = (mpidr & MPIDR_AFF0_MASK) | ((mpidr & MPIDR_AFF1_MASK) >> 4) |
		 ((mpidr & MPIDR_AFF2_MASK) >> 4) | ((mpidr & MPIDR_AFF3_MASK) >> 12);
	return true;
}

/* realm_state and mpidr_index: re-checked after the full lock set is held. */
static uint64_t check_realm_accepts_rec(const struct rd *rd, const struct rmi_rec_params *p)
{
	uint64_t index;

	if (rd->state != REALM_STATE_NEW)
		return RMI_REALM_ERROR(0);
	if (!rec_mpidr_to_index(p->mpidr, &index) || index != rd->rec_count || index >= REC_MAX_COUNT)
		return RMI_INPUT_ERROR;
	return RMI_OK;
}

/* num_aux, aux_align (and bound), aux_alias. */
static bool aux_list_valid(const struct rmi_rec_params *p, uint64_t rd_pa, uint64_t rec_pa)
{
	if (p->num_aux != REC_NUM_AUX)
		return false;
	for (unsigned i = 0; i < REC_NUM_AUX; i++) {
		if (!granule_from_pa(p->aux[i]))
			return false;
		if (p->aux[i] == rd_pa || p->aux[i] == rec_pa)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (p->aux[j] == p->aux[i])
				return false;
	}
	return true;
}

/* Everything that precedes aux_state in the failure order. */
static uint64_t rec_create_prechecks(uint64_t rd_pa, uint64_t rec_pa, const struct rmi_rec_params *p)
{
	struct granule_lock_req locks[2] = {
		{ .pa = rec_pa, .expected = GRANULE_STATE_DELEGATED },
		{ .pa = rd_pa, .expected = GRANULE_STATE_RD },
	};
	uint64_t status;
	struct rd *rd;

	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[1].g);
	status = check_realm_accepts_rec(rd, p);
	if (status == RMI_OK && !aux_list_valid(p, rd_pa, rec_pa))
		status = RMI_INPUT_ERROR;
	granule_unmap(rd);
	granule_unlock_set(locks, 2);
	return status;
}

static void init_rec(struct rec *rec, const struct rmi_rec_params *p, uint64_t rd_pa, uint64_t index)
{
	rec->owner_rd = rd_pa;
	rec->index = index;
	rec->mpidr = p->mpidr;
	rec->pc = p->pc;
	__builtin_memcpy(rec->gprs, p->gprs, sizeof(p->gprs));
	rec->runnable = (p->flags & RMI_REC_FLAG_RUNNABLE) != 0;
	rec->num_aux = p->num_aux;
	__builtin_memcpy(rec->aux, p->aux, sizeof(rec->aux));
}

uint64_t smc_rec_create(const uint64_t *x, struct rmi_result *res)
{
	struct rmi_rec_params params;
	struct granule_lock_req locks[2 + REC_NUM_AUX];
	uint64_t rd_pa = x[1], rec_pa = x[2], params_pa = x[3];
	uint64_t status;
	struct rec *rec;
	struct rd *rd;

	(void)res;
	if (!is_aligned(params_pa, GRANULE_SIZE) || !plat_ns_read(params_pa, &params, sizeof(params)))
		return RMI_INPUT_ERROR; /* params_align, params_bound, params_pas */
	if (params.flags & ~RMI_REC_FLAG_RUNNABLE)
		return RMI_INPUT_ERROR; /* params_valid */
	status = rec_create_prechecks(rd_pa, rec_pa, &params);
	if (status != RMI_OK)
		return status;
	locks[0] = (struct granule_lock_req){ .pa = rd_pa, .expected = GRANULE_STATE_RD };
	locks[1] = (struct granule_lock_req){ .pa = rec_pa, .expected = GRANULE_STATE_DELEGATED };
	for (unsigned i = 0; i < REC_NUM_AUX; i++)
		locks[2 + i] = (struct granule_lock_req){ .pa = params.aux[i], .expected = GRANULE_STATE_DELEGATED };
	if (!granule_lock_set(locks, 2 + REC_NUM_AUX))
		return RMI_INPUT_ERROR; /* aux_state (or rd/rec changed meanwhile) */
	rd = rd_map(locks[0].g);
	status = check_realm_accepts_rec(rd, &params);
	if (status == RMI_OK) {
		rec = rec_map(locks[1].g);
		init_rec(rec, &params, rd_pa, rd->rec_count);
		granule_unmap(rec);
		rd->rec_count++;
		if (params.flags & RMI_REC_FLAG_RUNNABLE)
			measurement_extend_rec(rd->hash_algo, rd->rim, &params);
		granule_refcount_add(locks[0].g, 1);
	}
	granule_unmap(rd);
	if (status != RMI_OK) {
		granule_unlock_set(locks, 2 + REC_NUM_AUX);
		return status;
	}
	for (unsigned i = 0; i < REC_NUM_AUX; i++)
		granule_unlock_transition(locks[2 + i].g, GRANULE_STATE_REC_AUX);
	granule_unlock_transition(locks[1].g, GRANULE_STATE_REC);
	granule_unlock(locks[0].g);
	return RMI_OK;
}

uint64_t smc_rec_destroy(const uint64_t *x, struct rmi_result *res)
{
	struct granule *g_rec = granule_lock_expect(x[1], GRANULE_STATE_REC);
	struct rec *rec;
	uint64_t num_aux, aux[RMI_REC_MAX_AUX], owner;

	(void)res;
	if (!g_rec)
		return RMI_INPUT_ERROR;
	if (granule_refcount(g_rec) != 0) {
		granule_unlock(g_rec);
		return RMI_REC_ERROR; /* running on another CPU */
	}
	rec = rec_map(g_rec);
	/* The platform's execution context goes first: the REC never runs again. */
	plat_rec_destroy(&rec->ctx);
	owner = rec->owner_rd;
	num_aux = rec->num_aux;
	__builtin_memcpy(aux, rec->aux, sizeof(aux));
	granule_unmap(rec);
	for (uint64_t i = 0; i < num_aux && i < RMI_REC_MAX_AUX; i++)
		granule_unlock_delegated(granule_lock_owned(aux[i], GRANULE_STATE_REC_AUX,
							    "rec_destroy: an aux granule is not REC_AUX"));
	granule_unlock_delegated(g_rec);
	granule_refcount_sub(granule_owned(owner, "rec_destroy: owner RD outside DRAM"), 1);
	return RMI_OK;
}

uint64_t smc_rec_aux_count(const uint64_t *x, struct rmi_result *res)
{
	struct granule *g_rd = granule_lock_expect(x[1], GRANULE_STATE_RD);

	if (!g_rd)
		return RMI_INPUT_ERROR;
	granule_unlock(g_rd);
	res->x[1] = REC_NUM_AUX;
	return RMI_OK;
}
