/*
 * PSCI_COMPLETE: the host completes a PSCI request (CPU_ON, AFFINITY_INFO)
 * that calling_rec made about target_rec.
 *
 * Nothing can create a PSCI request before REC execution exists, so today
 * every call stops at "pending"; the completion logic is complete for when
 * RECs run. Locks: both RECs as one argument set (granule.c rule 1).
 */
#include "rec.h"
#include "rmi_handlers.h"

static bool psci_status_valid(uint64_t fid, uint64_t status)
{
	if (fid == PSCI_CPU_ON_64)
		return status == PSCI_RET_SUCCESS || status == PSCI_RET_DENIED;
	return status == PSCI_RET_SUCCESS;
}

static uint64_t complete_cpu_on(struct rec *target, const struct rec *calling, uint64_t status)
{
	if (target->runnable)
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

static void complete_request(struct rec *calling, struct rec *target, uint64_t status)
{
	uint64_t result;

	if (calling->psci_fid == PSCI_CPU_ON_64)
		result = complete_cpu_on(target, calling, status);
	else
		result = target->runnable ? PSCI_AFFINITY_ON : PSCI_AFFINITY_OFF;
	calling->gprs[0] = result;
	calling->gprs[1] = 0;
	calling->gprs[2] = 0;
	calling->gprs[3] = 0;
	calling->psci_pending = false;
}

uint64_t smc_psci_complete(const uint64_t *x, struct rmi_result *res)
{
	struct granule_lock_req locks[2] = {
		{ .pa = x[1], .expected = GRANULE_STATE_REC },
		{ .pa = x[2], .expected = GRANULE_STATE_REC },
	};
	uint64_t status = RMI_INPUT_ERROR;
	struct rec *calling, *target;

	(void)res;
	if (x[1] == x[2] || !granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR; /* alias, calling_*, target_* */
	calling = rec_map(locks[0].g);
	target = rec_map(locks[1].g);
	if (calling->psci_pending && target->owner_rd == calling->owner_rd &&
	    target->mpidr == calling->psci_target_mpidr && psci_status_valid(calling->psci_fid, x[3])) {
		complete_request(calling, target, x[3]);
		status = RMI_OK;
	}
	granule_unmap(target);
	granule_unmap(calling);
	granule_unlock_set(locks, 2);
	return status;
}
