/*
 * PSCI_COMPLETE: the host completes a PSCI request (CPU_ON, AFFINITY_INFO)
 * that calling_rec made about target_rec (psci_realm.c records it).
 *
 * Failure conditions, in order (RMM 1.0; TF-RMM rmm-spec-v1.0-rel0):
 *   alias        calling_rec == target_rec                   ERROR_INPUT
 *   calling_*    calling_rec not aligned, in DRAM, a REC     ERROR_INPUT
 *   target_*     target_rec likewise                         ERROR_INPUT
 *   pending      calling_rec has no PSCI request             ERROR_INPUT
 *   owner        target_rec belongs to another realm         ERROR_INPUT
 *   target       target_rec's MPIDR is not the request's     ERROR_INPUT
 *   status       CPU_ON: neither SUCCESS nor DENIED;         ERROR_INPUT
 *                AFFINITY_INFO: not SUCCESS
 *   status_on    CPU_ON answered DENIED while target_rec is  ERROR_INPUT
 *                on (runnable, or running now): the host may
 *                only deny a CPU that is off
 * Every failure leaves both RECs as they were (TF-RMM, for status_on, still
 * completes the request with ALREADY_ON; this monitor refuses it whole, so
 * the host answers again, and SUCCESS then gives the realm ALREADY_ON).
 *
 * The result the calling REC's realm sees in X0 (X1..X3 = 0):
 *   CPU_ON        ALREADY_ON if the target is on; else DENIED if the host
 *                 denied; else SUCCESS, and the target becomes runnable at
 *                 the entry point with X0 = context ID
 *   AFFINITY_INFO ON if the target is on, else OFF
 *
 * Locks: both RECs as one argument set (granule.c rule 1). A running target
 * is claimed (refcount 1): it is on, and only its lock-protected fields are
 * read here (rec.h).
 */
#include "rec.h"
#include "rmi_args.h"
#include "rmi_handlers.h"

static bool fid_is_cpu_on(uint64_t fid)
{
	return fid == PSCI_CPU_ON || fid == PSCI_CPU_ON_32;
}

static bool status_valid(uint64_t fid, uint64_t status, bool target_on)
{
	if (fid_is_cpu_on(fid)) {
		if (status == PSCI_RET_DENIED)
			return !target_on;
		return status == PSCI_RET_SUCCESS;
	}
	return status == PSCI_RET_SUCCESS;
}

static uint64_t complete_cpu_on(struct rec *target, const struct rec *calling, bool target_on,
				uint64_t status)
{
	if (target_on)
		return PSCI_RET_ALREADY_ON;
	if (status == PSCI_RET_DENIED)
		return PSCI_RET_DENIED;
	/* The target starts from reset at the entry point with X0 = context ID. */
	__builtin_memset(target->gprs, 0, sizeof(target->gprs));
	target->gprs[0] = calling->psci_context;
	target->pc = calling->psci_entry;
	target->runnable = true;
	return PSCI_RET_SUCCESS;
}

static void complete_request(struct rec *calling, struct rec *target, bool target_on, uint64_t status)
{
	uint64_t result;

	if (fid_is_cpu_on(calling->psci_fid))
		result = complete_cpu_on(target, calling, target_on, status);
	else
		result = target_on ? PSCI_AFFINITY_ON : PSCI_AFFINITY_OFF;
	calling->gprs[0] = result;
	calling->gprs[1] = 0;
	calling->gprs[2] = 0;
	calling->gprs[3] = 0;
	calling->psci_pending = false;
}

uint64_t smc_psci_complete(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_psci_complete_args a = rmi_psci_complete_args(x);
	struct granule_lock_req locks[2] = {
		{ .pa = a.calling_rec_pa, .expected = GRANULE_STATE_REC },
		{ .pa = a.target_rec_pa, .expected = GRANULE_STATE_REC },
	};
	uint64_t status = RMI_INPUT_ERROR;
	struct rec *calling, *target;
	bool target_on;

	(void)res;
	if (a.calling_rec_pa == a.target_rec_pa || !granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR; /* alias, calling_*, target_* */
	calling = rec_map(locks[0].g);
	target = rec_map(locks[1].g);
	target_on = target->runnable || granule_refcount(locks[1].g) != 0;
	if (calling->psci_pending && target->owner_rd == calling->owner_rd &&
	    target->mpidr == calling->psci_target_mpidr &&
	    status_valid(calling->psci_fid, a.status, target_on)) {
		complete_request(calling, target, target_on, a.status);
		status = RMI_OK;
	}
	granule_unmap(target);
	granule_unmap(calling);
	granule_unlock_set(locks, 2);
	return status;
}
