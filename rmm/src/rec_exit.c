/*
 * REC exits that are not SMCs: stage-2 faults, interrupts, a dead CPU.
 *
 * Stage-2 faults (the MMU found no valid descriptor, or a permission fault):
 *  - outside the realm's IPA space, or an instruction fetch from unprotected
 *    memory: the realm gets a synchronous external abort (SEA) and continues;
 *  - unprotected IPA of a realm whose policy keeps it from host-visible
 *    memory (a non-gateway realm with a policy, a POLICY_REQUIRED realm
 *    without one yet; policy.h): SEA into the realm, the host sees nothing;
 *  - unprotected IPA: the host owns that memory, so it sees a SYNC exit it
 *    can serve (map the page, or answer INJECT_SEA). The syndrome is
 *    sanitised: EC, IL, WnR and DFSC only (ISV = 0: this monitor offers no
 *    MMIO emulation, as the platform has no way to skip the emulated
 *    instruction), FAR bits [11:0] only (the page offset; the realm's virtual
 *    address stays private), HPFAR = the faulting IPA page as HPFAR_EL2
 *    encodes it (IPA[51:12] in bits [43:4]);
 *  - protected IPA whose RIPAS is EMPTY or DESTROYED: SEA into the realm
 *    (it touched memory it does not have);
 *  - protected IPA with RIPAS RAM but no granule (UNASSIGNED): a SYNC exit
 *    with the same sanitised syndrome and FAR = 0, as RMM 1.0 reports it, so
 *    the host learns which page the realm needs;
 *  - protected RAM that is ASSIGNED: the descriptor is valid now (the fault
 *    raced an RTT change), so the access is simply retried;
 *  - a page of a CSM region (ASSIGNED_CSM): a permission fault (a write to
 *    a read-only member mapping) or an instruction fetch (CSM pages are
 *    execute-never) is a SEA into the realm; the host learns nothing. A
 *    translation fault there raced the mapping and is retried.
 * IRQ: the REC's time slice ended; exit IRQ so the host can schedule.
 * HALTED: the realm's CPU can never continue (its code crashed natively or
 * returned from its entry). The monitor exits SERROR (an asynchronous,
 * fatal error of the realm's CPU, with ESR = 0) and the REC stops being
 * runnable: a later REC_ENTER fails with ERROR_REC until PSCI CPU_ON from
 * another REC restarts it.
 */
#include "policy.h"
#include "realm.h"
#include "rec_run.h"
#include "rtt.h"

#define ESR_EC_SHIFT       26
#define ESR_EC_MASK        (UINT64_C(0x3f) << ESR_EC_SHIFT)
#define ESR_EC_IABT_LOWER  UINT64_C(0x20)
#define ESR_EC_DABT_LOWER  UINT64_C(0x24)
#define ESR_IL             (UINT64_C(1) << 25)
#define ESR_WNR            (UINT64_C(1) << 6)
#define ESR_DFSC_MASK      UINT64_C(0x3f)
#define DFSC_TRANSLATION_L0 UINT64_C(0x04) /* + level */
#define FAR_PAGE_OFFSET    UINT64_C(0xfff)
#define HPFAR_FIPA_SHIFT   4

void rec_exit_begin(struct rec_run *run, uint64_t reason)
{
	__builtin_memset(&run->exit, 0, sizeof(run->exit));
	run->exit.exit_reason = (uint8_t)reason;
}

static uint64_t esr_class(uint64_t esr)
{
	return (esr & ESR_EC_MASK) >> ESR_EC_SHIFT;
}

static uint64_t sanitised_esr(uint64_t esr)
{
	uint64_t ec = esr_class(esr) == ESR_EC_IABT_LOWER ? ESR_EC_IABT_LOWER : ESR_EC_DABT_LOWER;

	return (ec << ESR_EC_SHIFT) | ESR_IL | (esr & (ESR_WNR | ESR_DFSC_MASK));
}

static uint64_t hpfar_of(uint64_t ipa)
{
	return (ipa >> GRANULE_SHIFT) << HPFAR_FIPA_SHIFT;
}

static enum rec_action inject_sea(struct rec_run *run)
{
	run->rec->ctx.resume = PLAT_RESUME_INJECT_SEA;
	return REC_RESUME;
}

static enum rec_action exit_sync_abort(struct rec_run *run, uint64_t ipa, uint64_t esr, uint64_t far)
{
	rec_exit_begin(run, RMI_EXIT_SYNC);
	run->exit.esr = sanitised_esr(esr);
	run->exit.far = far;
	run->exit.hpfar = hpfar_of(ipa);
	return REC_EXIT;
}

/* TF-RMM reports IL = 0 here; IL is 1 as the hardware reports any data abort
 * without a valid ISS (ISV = 0), and as this monitor's other SYNC exits do.
 * WnR is 0: the access is the monitor's, not a realm instruction's. */
void rec_exit_unmapped_ipa(struct rec_run *run, uint64_t ipa, int level)
{
	rec_exit_begin(run, RMI_EXIT_SYNC);
	run->exit.esr = (ESR_EC_DABT_LOWER << ESR_EC_SHIFT) | ESR_IL | (DFSC_TRANSLATION_L0 + (uint64_t)level);
	run->exit.far = 0;
	run->exit.hpfar = hpfar_of(ipa);
}

/* The RTT entry behind a protected IPA, read under the RD lock. */
static void protected_entry(const struct rec_run *run, uint64_t ipa, enum s2tte_state *state,
			    unsigned *ripas)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	struct rtt_walk w;
	uint64_t e;

	rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, &w);
	e = rtt_walk_entry(&w);
	*state = s2tte_state(e, w.level);
	*ripas = s2tte_ripas(e, w.level);
	rtt_walk_unlock(&w);
	rd_unlock(g_rd, rd);
}

/* The realm's policy lets it reach host-visible memory (policy.h). */
static bool unprotected_allowed(const struct rec_run *run)
{
	struct granule *g_rd;
	struct rd *rd = rd_lock_owner(run->rd_pa, &g_rd);
	bool ok = policy_allows_unprotected(rd);

	rd_unlock(g_rd, rd);
	return ok;
}

/* DFSC 0b0011xx: a permission fault at some level. */
static bool dfsc_is_permission(uint64_t esr)
{
	return (esr & ESR_DFSC_MASK & ~UINT64_C(3)) == UINT64_C(0x0c);
}

enum rec_action rec_handle_s2_fault(struct rec_run *run, uint64_t ipa, uint64_t esr)
{
	enum s2tte_state state;
	unsigned ripas;

	if (ipa >= rec_run_ipa_top(run))
		return inject_sea(run);
	if (ipa >= rec_run_protected_top(run)) {
		if (esr_class(esr) == ESR_EC_IABT_LOWER || !unprotected_allowed(run))
			return inject_sea(run);
		run->rec->last_exit = REC_LAST_EXIT_UNPROT_ABORT;
		return exit_sync_abort(run, ipa, esr, ipa & FAR_PAGE_OFFSET);
	}
	protected_entry(run, ipa, &state, &ripas);
	if (ripas != RIPAS_RAM)
		return inject_sea(run);
	if (state == S2TTE_UNASSIGNED)
		return exit_sync_abort(run, ipa, esr, 0);
	if (state == S2TTE_ASSIGNED_CSM &&
	    (esr_class(esr) == ESR_EC_IABT_LOWER || dfsc_is_permission(esr)))
		return inject_sea(run);
	return REC_RESUME;
}

enum rec_action rec_handle_irq(struct rec_run *run)
{
	rec_exit_begin(run, RMI_EXIT_IRQ);
	return REC_EXIT;
}

enum rec_action rec_handle_halt(struct rec_run *run)
{
	rec_exit_begin(run, RMI_EXIT_SERROR);
	run->publish.stop = true;
	return REC_EXIT;
}
