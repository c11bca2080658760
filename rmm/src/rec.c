/*
 * RMI commands on RECs: REC_CREATE, REC_DESTROY, REC_AUX_COUNT.
 *
 * Locks (granule.c): REC_CREATE takes {RD, REC, aux...} as one argument set
 * in PA order, once the parameters name the aux granules. REC_DESTROY takes the REC, then its aux
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

/* realm_state, mpidr_index, num_aux: checked with RD, REC and aux held. */
static uint64_t check_realm_accepts_rec(const struct rd *rd, const struct rmi_rec_params *p)
{
	uint64_t index;

	if (rd->state != REALM_STATE_NEW)
		return RMI_REALM_ERROR(0);
	if (!rec_mpidr_to_index(p->mpidr, &index) || index != rd->rec_count || index >= REC_MAX_COUNT)
		return RMI_INPUT_ERROR;
	if (p->num_aux != REC_NUM_AUX)
		return RMI_INPUT_ERROR;
	return RMI_OK;
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

/*
 * REC_CREATE(rd, rec, params_ptr). Failure conditions, in order:
 *   params_align, params_bound, params_pas       ERROR_INPUT
 *   num_aux above RMI_REC_MAX_AUX                ERROR_INPUT
 *   rec_*, rd_*, aux_align/bound/alias/state     ERROR_INPUT (one lock set)
 *   realm_state                                  ERROR_REALM
 *   mpidr_index, num_aux != REC_AUX_COUNT        ERROR_INPUT
 * rmm-abi.md's list puts realm_state and mpidr_index before num_aux and the
 * aux granules; the reference monitor (TF-RMM rel0) checks the aux list and
 * its granules' states first, and the specification leaves the order open,
 * so the reference's order is kept. Reserved bits of flags are ignored, as
 * the reference does (only RUNNABLE means anything); they are measured with
 * the rest of the flags word, as there.
 */
uint64_t smc_rec_create(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rec_create_args a = rmi_rec_create_args(x);
	struct rmi_rec_params params;
	struct granule_lock_req locks[2 + RMI_REC_MAX_AUX];
	unsigned n;
	uint64_t status;
	struct rec *rec;
	struct rd *rd;

	(void)res;
	if (!is_aligned(a.params_pa, GRANULE_SIZE) ||
	    !plat_ns_read(a.params_pa, &params, sizeof(params)))
		return RMI_INPUT_ERROR; /* params_align, params_bound, params_pas */
	if (params.num_aux > RMI_REC_MAX_AUX)
		return RMI_INPUT_ERROR; /* num_aux */
	n = 2 + (unsigned)params.num_aux;
	locks[0] = (struct granule_lock_req){ .pa = a.rd_pa, .expected = GRANULE_STATE_RD };
	locks[1] = (struct granule_lock_req){ .pa = a.rec_pa, .expected = GRANULE_STATE_DELEGATED };
	for (unsigned i = 2; i < n; i++)
		locks[i] = (struct granule_lock_req){ .pa = params.aux[i - 2],
						      .expected = GRANULE_STATE_DELEGATED };
	if (!granule_lock_set(locks, n))
		return RMI_INPUT_ERROR; /* rec_*, rd_*, aux_align, aux_bound, aux_alias, aux_state */
	rd = rd_map(locks[0].g);
	status = check_realm_accepts_rec(rd, &params);
	if (status == RMI_OK) {
		rec = rec_map(locks[1].g);
		init_rec(rec, &params, a.rd_pa, rd->rec_count);
		granule_unmap(rec);
		rd->rec_count++;
		if (params.flags & RMI_REC_FLAG_RUNNABLE) {
			measurement_extend_rec(rd->hash_algo, rd->rim, &params);
			rd_rim_extended(rd);
		}
		granule_refcount_add(locks[0].g, 1);
	}
	granule_unmap(rd);
	if (status != RMI_OK) {
		granule_unlock_set(locks, n);
		return status;
	}
	for (unsigned i = 2; i < n; i++)
		granule_unlock_transition(locks[i].g, GRANULE_STATE_REC_AUX);
	granule_unlock_transition(locks[1].g, GRANULE_STATE_REC);
	granule_unlock(locks[0].g);
	return RMI_OK;
}

uint64_t smc_rec_destroy(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rec_destroy_args a = rmi_rec_destroy_args(x);
	struct granule *g_rec = granule_lock_expect(a.rec_pa, GRANULE_STATE_REC);
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
	const struct rmi_rec_aux_count_args a = rmi_rec_aux_count_args(x);
	struct granule *g_rd = granule_lock_expect(a.rd_pa, GRANULE_STATE_RD);

	if (!g_rd)
		return RMI_INPUT_ERROR;
	granule_unlock(g_rd);
	res->x[1] = REC_NUM_AUX;
	return RMI_OK;
}
