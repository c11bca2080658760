/*
 * REC_ENTER: the host runs a REC until the realm needs the host.
 *
 * 1. Validate (every failure condition of RMM 1.0, in the specification's
 *    order) under the REC's lock, and claim the REC: refcount 1. A second
 *    REC_ENTER or a REC_DESTROY of it now fails with ERROR_REC.
 * 2. Apply RmiRecEntry: complete what the last exit asked of the host
 *    (host call results, RIPAS change answer, SEA injection).
 * 3. Loop: plat_rec_run() runs the realm on this CPU until it traps; the
 *    trap handlers finish what they can (RSI, PSCI, faults the realm must
 *    see) and resume, or build the exit record. No granule lock is held
 *    while the realm runs.
 * 4. Copy RmiRecExit out to the host's page, then give the claim back under
 *    the lock together with the state other commands read (rec.h).
 *
 * What RmiRecEntry may change, by the last exit (RMM 1.0):
 *  - HOST_CALL: gprs[0..30] become RsiHostCall.gprs; the realm gets X0 =
 *    RSI_SUCCESS. The host writes nothing else of the realm. If the
 *    RsiHostCall's page is not mapped now, the REC exits SYNC for it again
 *    at once (rsi_host_call.c).
 *  - SYNC for an RSI call's unmapped memory (rsi_unmapped): the call runs
 *    again before the realm does; it may exit at once again.
 *  - RIPAS_CHANGE: flags.RIPAS_RESPONSE (reject) is the answer; X1 = how far
 *    RTT_SET_RIPAS got, X2 = RSI_ACCEPT / RSI_REJECT.
 *  - SYNC at an unprotected IPA: flags.INJECT_SEA makes the access abort in
 *    the realm instead of being retried. After any other exit (IRQ, host
 *    call, PSCI, a protected abort, the data abort of an RSI call on
 *    unmapped memory) INJECT_SEA is refused with ERROR_REC (rec_sea), as
 *    the reference monitor does: only a data abort at an unprotected IPA
 *    can be answered with an abort.
 *  - PSCI: nothing; CPU_ON and AFFINITY_INFO results come from
 *    PSCI_COMPLETE (psci.c), which REC_ENTER waits for (rec_psci).
 * EMUL_MMIO is refused (rec_mmio) because no exit is ever emulatable
 * (rec_exit.c). GIC state is validated and reported back unchanged: the
 * emulated machine has no virtual interrupt controller.
 */
#include "checked_math.h"
#include "rec.h"
#include "rec_run.h"
#include "realm.h"
#include "rmi_handlers.h"
#include "rsi_handlers.h"
#include "rmm/rmm.h"

/* ICH_HCR_EL2 bits the host may set: UIE, LRENPIE, NPIE, VGrp0EIE, VGrp0DIE,
 * VGrp1EIE, VGrp1DIE, TDIR. */
#define GIC_HCR_HOST_MASK (UINT64_C(0xfe) | (UINT64_C(1) << 14))
#define GIC_LR_HW         (UINT64_C(1) << 61)
#define GIC_LR_RES0       (UINT64_C(0xf) << 56)

static bool gic_state_valid(const struct rmi_rec_entry *entry)
{
	if (entry->gicv3_hcr & ~GIC_HCR_HOST_MASK)
		return false;
	for (unsigned i = 0; i < RMI_MAX_GIC_LRS; i++)
		if (entry->gicv3_lrs[i] & (GIC_LR_HW | GIC_LR_RES0))
			return false;
	return true;
}

static uint32_t realm_state_of(uint64_t rd_pa)
{
	struct granule *g_rd = granule_owned(rd_pa, "rec_enter: owner RD outside DRAM");
	const struct rd *rd;
	uint32_t state;

	/* The RD outlives its RECs (its refcount counts them), and the realm's
	 * state is read atomically, so the RD lock is not needed here. */
	rd = rd_map(g_rd);
	state = __atomic_load_n(&rd->state, __ATOMIC_ACQUIRE);
	granule_unmap((void *)rd);
	return state;
}

/*
 * REC_ENTER(rec, run_ptr). Failure conditions, in order:
 *   run_align, run_bound, run_pas                ERROR_INPUT
 *   rec_align, rec_bound, rec_state              ERROR_INPUT
 *   REC running on another CPU                   ERROR_REC
 *   realm NEW                                    ERROR_REALM(0)
 *   realm SYSTEM_OFF                             ERROR_REALM(1)
 *   rec_mmio, rec_psci, rec_runnable, rec_gicv3  ERROR_REC
 *   rec_sea: INJECT_SEA, the last exit not a     ERROR_REC
 *     data abort at an unprotected IPA
 * Both realm states come before any REC condition, as in the reference
 * monitor (TF-RMM rel0); rmm-abi.md's older list puts rec_mmio and rec_psci
 * before SYSTEM_OFF. The REC conditions among themselves are not
 * distinguishable by the caller.
 */
static uint64_t rec_enter_checks(const struct rec *rec, const struct rmi_rec_entry *entry)
{
	uint32_t realm_state = realm_state_of(rec->owner_rd);

	if (realm_state == REALM_STATE_NEW)
		return RMI_REALM_ERROR(RMI_REALM_INDEX_NEW);
	if (realm_state == REALM_STATE_SYSTEM_OFF)
		return RMI_REALM_ERROR(RMI_REALM_INDEX_SYSTEM_OFF);
	if ((entry->flags & RMI_REC_ENTRY_EMUL_MMIO) && !rec->emulatable_abort)
		return RMI_REC_ERROR;                                 /* rec_mmio */
	if (rec->psci_pending)
		return RMI_REC_ERROR;                                 /* rec_psci */
	if (!rec->runnable)
		return RMI_REC_ERROR;                                 /* rec_runnable */
	if (!gic_state_valid(entry))
		return RMI_REC_ERROR;                                 /* rec_gicv3 */
	if ((entry->flags & RMI_REC_ENTRY_INJECT_SEA) && rec->last_exit != REC_LAST_EXIT_UNPROT_ABORT)
		return RMI_REC_ERROR;                                 /* rec_sea */
	return RMI_OK;
}

/* With the REC locked and valid: claim it, and take the RIPAS change the
 * host was serving (its progress is the answer the realm gets). */
static void claim(struct granule *g_rec, struct rec *rec, uint64_t *ripas_progress)
{
	granule_refcount_add(g_rec, 1);
	*ripas_progress = rec->ripas_addr;
	if (rec->last_exit == REC_LAST_EXIT_RIPAS_CHANGE) {
		rec->ripas_addr = 0;
		rec->ripas_top = 0;
		rec->ripas_value = 0;
		rec->ripas_change_destroyed = false;
	}
}

/* Reads the RD (locked: no lock is held once the REC is claimed) for the
 * stage-2 configuration and the constants the handlers use. False if the
 * realm was switched off since the checks. */
static bool load_realm(struct rec_run *run, struct plat_s2 *s2)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool active;

	s2->rtt_base = rd->rtt_base;
	s2->vmid = rd->vmid;
	s2->ipa_bits = (uint8_t)rd->ipa_bits;
	s2->level_start = (int8_t)rd->rtt_level_start;
	s2->num_root_rtts = (uint8_t)rd->rtt_num_start;
	run->ipa_bits = rd->ipa_bits;
	run->hash_algo = rd->hash_algo;
	run->rec_count = rd->rec_count;
	active = __atomic_load_n(&rd->state, __ATOMIC_ACQUIRE) == REALM_STATE_ACTIVE;
	rd_unlock(g_rd, rd);
	return active;
}

/* Completes what the last exit asked of the host. REC_EXIT: the REC exits
 * again at once with run->exit, without running (the host has still not
 * mapped memory an RSI call needs). */
static enum rec_action apply_entry(struct rec_run *run, const struct rmi_rec_entry *entry,
				   uint64_t ripas_progress)
{
	struct rec *rec = run->rec;
	uint32_t last_exit = rec->last_exit;

	rec->ctx.resume = PLAT_RESUME_NORMAL;
	rec->last_exit = REC_LAST_EXIT_NONE;
	switch (last_exit) {
	case REC_LAST_EXIT_HOST_CALL:
		return rsi_host_call_complete(run, entry->gprs);
	case REC_LAST_EXIT_RSI_UNMAPPED:
		return rsi_retry(run);
	case REC_LAST_EXIT_RIPAS_CHANGE:
		rec->gprs[0] = RSI_SUCCESS;
		rec->gprs[1] = ripas_progress;
		rec->gprs[2] = (entry->flags & RMI_REC_ENTRY_RIPAS_RESPONSE) ? RSI_REJECT : RSI_ACCEPT;
		break;
	case REC_LAST_EXIT_UNPROT_ABORT:
		if (entry->flags & RMI_REC_ENTRY_INJECT_SEA)
			rec->ctx.resume = PLAT_RESUME_INJECT_SEA;
		break;
	case REC_LAST_EXIT_CSM_REQUEST:
		rsi_csm_request_complete(run);
		break;
	default:
		break;
	}
	return REC_RESUME;
}

static enum rec_action handle_trap(struct rec_run *run, const struct plat_trap *trap)
{
	switch (trap->kind) {
	case PLAT_TRAP_SMC:
		return rec_handle_smc(run);
	case PLAT_TRAP_S2_FAULT:
		return rec_handle_s2_fault(run, trap->ipa, trap->esr);
	case PLAT_TRAP_IRQ:
		return rec_handle_irq(run);
	case PLAT_TRAP_HALTED:
	default:
		return rec_handle_halt(run);
	}
}

static void run_until_exit(struct rec_run *run, const struct plat_s2 *s2)
{
	struct plat_trap trap;

	for (;;) {
		plat_rec_run(s2, &run->rec->ctx, &trap);
		run->rec->ctx.resume = PLAT_RESUME_NORMAL;
		if (handle_trap(run, &trap) == REC_EXIT)
			return;
	}
}

/* A stopped CPU (CPU_OFF, halted) loses its execution context: if CPU_ON
 * restarts it, it starts afresh at the new entry point. */
static void reset_cpu(struct rec *rec)
{
	plat_rec_destroy(&rec->ctx);
	rec->ctx.resume = PLAT_RESUME_NORMAL;
	rec->ctx.started = 0;
	rec->ctx.cpu = 0;
}

/* Gives the claim back: the published state and the refcount drop become
 * visible together, under the lock. */
static void release(struct granule *g_rec, struct rec *rec, const struct rec_publish *p)
{
	granule_lock(g_rec);
	if (p->stop)
		rec->runnable = false;
	if (p->psci_request) {
		rec->psci_pending = true;
		rec->psci_fid = p->psci_fid;
		rec->psci_target_mpidr = p->psci_target_mpidr;
		rec->psci_entry = p->psci_entry;
		rec->psci_context = p->psci_context;
	}
	if (p->ripas_request) {
		rec->ripas_addr = p->ripas_base;
		rec->ripas_top = p->ripas_top;
		rec->ripas_value = p->ripas_value;
		rec->ripas_change_destroyed = p->ripas_change_destroyed;
	}
	granule_refcount_sub(g_rec, 1);
	granule_unlock(g_rec);
}

static void report_exit(struct rec_run *run, const struct rmi_rec_entry *entry, uint64_t run_pa)
{
	run->exit.gicv3_hcr = entry->gicv3_hcr;
	__builtin_memcpy(run->exit.gicv3_lrs, entry->gicv3_lrs, sizeof(run->exit.gicv3_lrs));
	/* The host may have delegated its own page meanwhile; then it gets no
	 * record, which only hurts the host. */
	(void)plat_ns_write(run_pa + offsetof(struct rmi_rec_run, exit), &run->exit, sizeof(run->exit));
}

uint64_t smc_rec_enter(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_rec_enter_args a = rmi_rec_enter_args(x);
	uint64_t rec_pa = a.rec_pa, run_pa = a.run_pa;
	struct rmi_rec_entry entry;
	struct rec_run run = { 0 };
	uint64_t status, ripas_progress = 0;
	struct granule *g_rec;
	struct plat_s2 s2;

	(void)res;
	if (!is_aligned(run_pa, GRANULE_SIZE) || !plat_ns_read(run_pa, &entry, sizeof(entry)))
		return RMI_INPUT_ERROR; /* run_align, run_bound, run_pas */
	g_rec = granule_lock_expect(rec_pa, GRANULE_STATE_REC);
	if (!g_rec)
		return RMI_INPUT_ERROR; /* rec_align, rec_bound, rec_state */
	if (granule_refcount(g_rec) != 0) {
		granule_unlock(g_rec);
		return RMI_REC_ERROR;   /* already running on another CPU */
	}
	run.rec = rec_map(g_rec);
	status = rec_enter_checks(run.rec, &entry);
	if (status == RMI_OK)
		claim(g_rec, run.rec, &ripas_progress);
	granule_unlock(g_rec);
	if (status != RMI_OK) {
		granule_unmap(run.rec);
		return status;
	}
	run.rec_pa = rec_pa;
	run.rd_pa = run.rec->owner_rd;
	if (!load_realm(&run, &s2)) {
		release(g_rec, run.rec, &run.publish);
		granule_unmap(run.rec);
		return RMI_REALM_ERROR(RMI_REALM_INDEX_SYSTEM_OFF);
	}
	if (apply_entry(&run, &entry, ripas_progress) == REC_RESUME)
		run_until_exit(&run, &s2);
	report_exit(&run, &entry, run_pa);
	if (run.publish.stop)
		reset_cpu(run.rec);
	release(g_rec, run.rec, &run.publish);
	granule_unmap(run.rec);
	return RMI_OK;
}
