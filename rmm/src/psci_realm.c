/*
 * PSCI 1.1 for realms: the calls a realm's OS makes to manage its vCPUs and
 * the system (TF-RMM rmm-spec-v1.0-rel0 is the model for what exits and
 * what the host is told).
 *
 * VERSION and FEATURES finish in the monitor. The others exit PSCI to the
 * host, whose RmiRecExit.gprs carry exactly what the host needs, zeros
 * elsewhere: X0 = the function ID as the realm used it (SMC32 or SMC64
 * form), and for CPU_ON and AFFINITY_INFO X1 = the target MPIDR. The entry
 * point and context ID of CPU_ON stay in the monitor (REC.psci_*), which
 * starts the target with them at PSCI_COMPLETE.
 *  - CPU_SUSPEND: a notification (the host may deschedule the vCPU until it
 *    has something to deliver); every power state is a plain suspend, so
 *    the realm gets SUCCESS at once, with no PSCI_COMPLETE.
 *  - CPU_OFF: the calling REC stops (not runnable) and gets SUCCESS, which
 *    never sees: CPU_ON starts it afresh at a new entry point.
 *  - CPU_ON, AFFINITY_INFO: name another REC of the realm: the monitor
 *    checks the arguments, then exits so the host can find that REC, and
 *    the host answers with PSCI_COMPLETE (psci.c), which writes the
 *    caller's result registers; until then the caller cannot run.
 *  - SYSTEM_OFF, SYSTEM_RESET: the whole realm stops (it becomes SYSTEM_OFF
 *    and no REC of it runs again; the host decides what a reset means).
 * An SMC32 call's arguments are its W registers: the upper halves are
 * ignored.
 */
#include "abi/rsi.h"
#include "realm.h"
#include "rec_run.h"

#define PSCI_VERSION_1_1 UINT64_C(0x10001)

static uint64_t psci_ret(int code)
{
	return (uint64_t)(int64_t)code;
}

static bool fid_is_smc32(uint64_t fid)
{
	return (fid & (UINT64_C(1) << 30)) == 0;
}

/* Argument n of the call: X<n>, or W<n> for an SMC32 call. */
static uint64_t arg(uint64_t fid, const struct smc_regs *regs, unsigned n)
{
	return fid_is_smc32(fid) ? regs->x[n] & UINT64_C(0xFFFFFFFF) : regs->x[n];
}

struct psci_cpu_on_args {
	uint64_t target_cpu;  /* X1: MPIDR */
	uint64_t entry_point; /* X2: IPA */
	uint64_t context_id;  /* X3 */
};

struct psci_affinity_info_args {
	uint64_t target_affinity;       /* X1: MPIDR */
	uint64_t lowest_affinity_level; /* X2 */
};

struct psci_features_args {
	uint64_t function_id; /* X1 (a 32-bit function ID) */
};

static struct psci_cpu_on_args decode_cpu_on(uint64_t fid, const struct smc_regs *regs)
{
	return (struct psci_cpu_on_args){
		.target_cpu = arg(fid, regs, 1),
		.entry_point = arg(fid, regs, 2),
		.context_id = arg(fid, regs, 3),
	};
}

static struct psci_affinity_info_args decode_affinity_info(uint64_t fid, const struct smc_regs *regs)
{
	return (struct psci_affinity_info_args){
		.target_affinity = arg(fid, regs, 1),
		.lowest_affinity_level = arg(fid, regs, 2),
	};
}

static struct psci_features_args decode_features(const struct smc_regs *regs)
{
	return (struct psci_features_args){ .function_id = regs->x[1] & UINT64_C(0xFFFFFFFF) };
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

static enum rec_action psci_return(struct smc_regs *regs, int code)
{
	regs->x[0] = psci_ret(code);
	return REC_RESUME;
}

/* Exits PSCI with X0 = fid and, if target is not NULL, X1 = *target. */
static enum rec_action exit_psci(struct rec_run *run, uint64_t fid, const uint64_t *target)
{
	rec_exit_begin(run, RMI_EXIT_PSCI);
	run->exit.gprs[0] = fid;
	if (target)
		run->exit.gprs[1] = *target;
	return REC_EXIT;
}

/* An exit that only informs the host: the realm's result is final now (the
 * dispatcher does not write back registers when a call exits). */
static enum rec_action exit_psci_done(struct rec_run *run, uint64_t fid, int code)
{
	run->rec->gprs[0] = psci_ret(code);
	return exit_psci(run, fid, NULL);
}

/* A target MPIDR names a REC of this realm (all were created before activation). */
static bool target_valid(const struct rec_run *run, uint64_t mpidr)
{
	uint64_t index;

	return rec_mpidr_to_index(mpidr, &index) && index < run->rec_count;
}

static void request(struct rec_run *run, uint64_t fid, uint64_t target, uint64_t entry, uint64_t context)
{
	run->publish.psci_request = true;
	run->publish.psci_fid = fid;
	run->publish.psci_target_mpidr = target;
	run->publish.psci_entry = entry;
	run->publish.psci_context = context;
}

static enum rec_action cpu_on(struct rec_run *run, uint64_t fid, struct smc_regs *regs)
{
	struct psci_cpu_on_args a = decode_cpu_on(fid, regs);

	if (a.entry_point >= rec_run_protected_top(run))
		return psci_return(regs, PSCI_INVALID_ADDRESS);
	if (!target_valid(run, a.target_cpu))
		return psci_return(regs, PSCI_INVALID_PARAMETERS);
	if (a.target_cpu == run->rec->mpidr)
		return psci_return(regs, PSCI_ALREADY_ON);
	request(run, fid, a.target_cpu, a.entry_point, a.context_id);
	return exit_psci(run, fid, &a.target_cpu);
}

static enum rec_action affinity_info(struct rec_run *run, uint64_t fid, struct smc_regs *regs)
{
	struct psci_affinity_info_args a = decode_affinity_info(fid, regs);

	if (a.lowest_affinity_level != 0 || !target_valid(run, a.target_affinity))
		return psci_return(regs, PSCI_INVALID_PARAMETERS);
	if (a.target_affinity == run->rec->mpidr)
		return psci_return(regs, PSCI_AFFINITY_ON); /* the caller is running */
	request(run, fid, a.target_affinity, 0, 0);
	return exit_psci(run, fid, &a.target_affinity);
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
	uint64_t fid = regs->x[0] & UINT64_C(0xFFFFFFFF) & ~SMC_FID_SVE_HINT;

	switch (fid) {
	case PSCI_VERSION:
		regs->x[0] = PSCI_VERSION_1_1;
		return REC_RESUME;
	case PSCI_FEATURES:
		return psci_return(regs, psci_implemented(decode_features(regs).function_id)
						 ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED);
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND_32:
		return exit_psci_done(run, fid, PSCI_SUCCESS);
	case PSCI_CPU_OFF:
		run->publish.stop = true;
		return exit_psci_done(run, fid, PSCI_SUCCESS);
	case PSCI_CPU_ON:
	case PSCI_CPU_ON_32:
		return cpu_on(run, fid, regs);
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO_32:
		return affinity_info(run, fid, regs);
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		realm_system_off(run);
		return exit_psci(run, fid, NULL);
	default:
		return psci_return(regs, PSCI_NOT_SUPPORTED);
	}
}
