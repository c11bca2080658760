/*
 * PSCI 1.1 for realms: the calls a realm's OS makes to manage its vCPUs and
 * the system.
 *
 * VERSION, FEATURES and CPU_SUSPEND finish in the monitor (a suspended vCPU
 * simply continues: the host schedules RECs anyway). CPU_ON and AFFINITY_INFO
 * name another REC of the realm: the monitor checks the arguments, then exits
 * PSCI so the host can find that REC, and the host answers with PSCI_COMPLETE
 * (psci.c), which writes the caller's result registers. CPU_OFF stops the
 * calling REC; SYSTEM_OFF and SYSTEM_RESET stop the whole realm (it becomes
 * SYSTEM_OFF and no REC of it runs again; the host decides what a reset
 * means). Each of those exits PSCI with X0 = the function ID, in its SMC64
 * form when it has one, and X1..X3 = the call's arguments.
 */
#include "abi/rsi.h"
#include "realm.h"
#include "rec_run.h"

#define PSCI_VERSION_1_1 UINT64_C(0x10001)

/* SMC32 forms of the calls that have an SMC64 one. */
#define PSCI_CPU_SUSPEND_32   UINT64_C(0x84000001)
#define PSCI_CPU_ON_32        UINT64_C(0x84000003)
#define PSCI_AFFINITY_INFO_32 UINT64_C(0x84000004)
#define PSCI_SMC64_BIT        (UINT64_C(1) << 30)

static uint64_t psci_ret(int code)
{
	return (uint64_t)(int64_t)code;
}

/* The SMC64 form of fid; SMC32 calls have their arguments cut to 32 bits. */
static uint64_t normalise_call(uint64_t fid, struct smc_regs *regs)
{
	if (fid == PSCI_CPU_SUSPEND_32 || fid == PSCI_CPU_ON_32 || fid == PSCI_AFFINITY_INFO_32) {
		for (unsigned i = 1; i <= 3; i++)
			regs->x[i] &= UINT64_C(0xFFFFFFFF);
		return fid | PSCI_SMC64_BIT;
	}
	return fid;
}

static bool psci_implemented(uint64_t fid)
{
	switch (fid) {
	case PSCI_VERSION:
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_CPU_ON_32:
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO_32:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
	case SMCCC_VERSION_FID:
		return true;
	default:
		return false;
	}
}

static enum rec_action exit_psci(struct rec_run *run, uint64_t fid, const struct smc_regs *regs,
				 unsigned nargs)
{
	rec_exit_begin(run, RMI_EXIT_PSCI);
	run->exit.gprs[0] = fid;
	for (unsigned i = 1; i <= nargs; i++)
		run->exit.gprs[i] = regs->x[i];
	return REC_EXIT;
}

/* A target MPIDR names a REC of this realm (all were created before activation). */
static bool target_valid(const struct rec_run *run, uint64_t mpidr)
{
	uint64_t index;

	return rec_mpidr_to_index(mpidr, &index) && index < run->rec_count;
}

static enum rec_action cpu_on(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t target = regs->x[1], entry = regs->x[2];

	if (entry >= rec_run_protected_top(run)) {
		regs->x[0] = psci_ret(PSCI_INVALID_ADDRESS);
		return REC_RESUME;
	}
	if (!target_valid(run, target)) {
		regs->x[0] = psci_ret(PSCI_INVALID_PARAMETERS);
		return REC_RESUME;
	}
	if (target == run->rec->mpidr) {
		regs->x[0] = psci_ret(PSCI_ALREADY_ON);
		return REC_RESUME;
	}
	run->publish.psci_request = true;
	run->publish.psci_fid = PSCI_CPU_ON;
	run->publish.psci_target_mpidr = target;
	run->publish.psci_entry = entry;
	run->publish.psci_context = regs->x[3];
	return exit_psci(run, PSCI_CPU_ON, regs, 3);
}

static enum rec_action affinity_info(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t target = regs->x[1], lowest_level = regs->x[2];

	if (lowest_level != 0 || !target_valid(run, target)) {
		regs->x[0] = psci_ret(PSCI_INVALID_PARAMETERS);
		return REC_RESUME;
	}
	if (target == run->rec->mpidr) {
		regs->x[0] = psci_ret(PSCI_AFFINITY_ON); /* the caller is running */
		return REC_RESUME;
	}
	run->publish.psci_request = true;
	run->publish.psci_fid = PSCI_AFFINITY_INFO;
	run->publish.psci_target_mpidr = target;
	return exit_psci(run, PSCI_AFFINITY_INFO, regs, 2);
}

/* REC_ENTER reads the state without the lock (atomically); REALM_ACTIVATE
 * writes it under the lock, so the store takes the lock too. */
static void realm_system_off(const struct rec_run *run)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);

	__atomic_store_n(&rd->state, REALM_STATE_SYSTEM_OFF, __ATOMIC_RELEASE);
	rd_unlock(g_rd, rd);
}

enum rec_action psci_realm_call(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t fid = normalise_call(regs->x[0] & UINT64_C(0xFFFFFFFF) & ~SMC_FID_SVE_HINT, regs);

	switch (fid) {
	case PSCI_VERSION:
		regs->x[0] = PSCI_VERSION_1_1;
		return REC_RESUME;
	case PSCI_FEATURES:
		regs->x[0] = psci_implemented(regs->x[1] & UINT64_C(0xFFFFFFFF)) ? psci_ret(PSCI_SUCCESS)
									    : psci_ret(PSCI_NOT_SUPPORTED);
		return REC_RESUME;
	case PSCI_CPU_SUSPEND:
		regs->x[0] = psci_ret(PSCI_SUCCESS);
		return REC_RESUME;
	case PSCI_CPU_OFF:
		run->publish.stop = true;
		return exit_psci(run, fid, regs, 0);
	case PSCI_CPU_ON:
		return cpu_on(run, regs);
	case PSCI_AFFINITY_INFO:
		return affinity_info(run, regs);
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		realm_system_off(run);
		return exit_psci(run, fid, regs, 0);
	default:
		regs->x[0] = psci_ret(PSCI_NOT_SUPPORTED);
		return REC_RESUME;
	}
}
