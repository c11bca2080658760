/*
 * REC exits and what the realm sees, through RMI_REC_ENTER with a scripted
 * CPU (exec_fake_cpu.h): stage-2 faults (exit to the host or SEA into the
 * realm), IRQ, a halted CPU, and PSCI (CPU_ON of a second REC with
 * PSCI_COMPLETE, AFFINITY_INFO, CPU_OFF, SYSTEM_OFF).
 */
#include <stdbool.h>

#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"

#define EC_DABT   (UINT64_C(0x24) << 26)
#define EC_IABT   (UINT64_C(0x20) << 26)
#define ESR_IL    (UINT64_C(1) << 25)
#define ESR_ISV   (UINT64_C(1) << 24)
#define ESR_SAS   (UINT64_C(3) << 22)
#define ESR_SRT5  (UINT64_C(5) << 16)
#define ESR_WNR   (UINT64_C(1) << 6)
#define DFSC_L3_TRANSLATION UINT64_C(0x07)

static struct exec_realm realm;

static void fault(struct plat_trap *trap, uint64_t ipa, uint64_t esr)
{
	trap->kind = PLAT_TRAP_S2_FAULT;
	trap->ipa = ipa;
	trap->esr = esr;
}

/* Builds the realm and enters REC 0 with the script; returns the first exit. */
static struct rmi_rec_exit build_and_enter(exec_fake_step_fn steps)
{
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	return exec_exit(&realm);
}

static const uint64_t full_esr = EC_DABT | ESR_IL | ESR_ISV | ESR_SAS | ESR_SRT5 | ESR_WNR | DFSC_L3_TRANSLATION;

static void unprot_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			 struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		fault(trap, EXEC_UNPROT_BASE + 0x5abc, full_esr);
		break;
	case 1: /* the host mapped it: the access is retried */
		assert_int_equal(ctx->resume, PLAT_RESUME_NORMAL);
		fault(trap, EXEC_UNPROT_BASE + 0x6000, EC_DABT | DFSC_L3_TRANSLATION);
		break;
	case 2: /* the host answered INJECT_SEA */
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		exec_fake_irq(trap);
		break;
	}
}

static void test_unprotected_fault(void **state)
{
	struct rmi_rec_exit exit;
	uint64_t ns = test_alloc();

	(void)state;
	exit = build_and_enter(unprot_steps);
	assert_int_equal(exit.exit_reason, RMI_EXIT_SYNC);
	/* Sanitised: no ISV, SAS or SRT; FAR keeps the page offset only. */
	assert_int_equal(exit.esr, EC_DABT | ESR_IL | ESR_WNR | DFSC_L3_TRANSLATION);
	assert_int_equal(exit.far, 0xabc);
	assert_int_equal(exit.hpfar, ((EXEC_UNPROT_BASE + 0x5000) >> 12) << 4);
	for (unsigned i = 0; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
	/* No abort is emulatable, so EMUL_MMIO is refused. */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_EMUL_MMIO, NULL), RMI_ERROR_REC);
	assert_int_equal(exec_fake_runs(), 1);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, realm.rd, EXEC_UNPROT_BASE + 0x5000, 3,
			     ns | (UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8)).x[0],
			 RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_SYNC);
	assert_int_equal(exit.far, 0);
	assert_int_equal(exit.esr, EC_DABT | ESR_IL | DFSC_L3_TRANSLATION);
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_INJECT_SEA, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	/* After an IRQ exit there is no abort to answer: INJECT_SEA is refused
	 * and the realm does not run. */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_INJECT_SEA, NULL), RMI_ERROR_REC);
	assert_int_equal(exec_fake_runs(), 3);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
}

static void protected_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		fault(trap, 0x5010, EC_DABT | DFSC_L3_TRANSLATION);           /* EMPTY */
		break;
	case 1:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		fault(trap, (UINT64_C(1) << EXEC_IPA_BITS) + 0x1000, EC_DABT); /* beyond the IPA space */
		break;
	case 2:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		fault(trap, EXEC_UNPROT_BASE + 0x7000, EC_IABT | 0x07);       /* executing host memory */
		break;
	case 3:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		fault(trap, 0x1000, EC_DABT | 0x07);                           /* RAM, mapped: retry */
		break;
	case 4:
		assert_int_equal(ctx->resume, PLAT_RESUME_NORMAL);
		fault(trap, 0x3234, full_esr);                                 /* RAM, no granule */
		break;
	case 5: /* the host destroyed the granule at 0x2000 and re-entered */
		assert_int_equal(ctx->resume, PLAT_RESUME_NORMAL);
		fault(trap, 0x2000, EC_DABT | 0x07);                           /* DESTROYED */
		break;
	case 6:
		assert_int_equal(ctx->resume, PLAT_RESUME_INJECT_SEA);
		exec_fake_irq(trap);
		break;
	}
}

static void test_protected_faults(void **state)
{
	struct rmi_rec_exit exit;

	(void)state;
	exit = build_and_enter(protected_steps);
	assert_int_equal(exec_fake_runs(), 5);
	assert_int_equal(exit.exit_reason, RMI_EXIT_SYNC);
	assert_int_equal(exit.esr, EC_DABT | ESR_IL | ESR_WNR | DFSC_L3_TRANSLATION);
	assert_int_equal(exit.far, 0); /* nothing of the realm's address */
	assert_int_equal(exit.hpfar, 0x30);
	assert_int_equal(RMI(RMI_DATA_DESTROY, realm.rd, 0x2000).x[0], RMI_SUCCESS);
	/* INJECT_SEA is only an answer to an unprotected abort: refused after a
	 * protected one, and nothing ran. */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_INJECT_SEA, NULL), RMI_ERROR_REC);
	assert_int_equal(exec_fake_runs(), 5);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), 7);
}

static void halt_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		       struct plat_trap *trap)
{
	(void)s2;
	(void)ctx;
	assert_int_equal(step, 0);
	trap->kind = PLAT_TRAP_HALTED;
	trap->halt_reason = "test: the realm crashed";
}

static void test_halted_cpu(void **state)
{
	struct rmi_rec_exit exit;

	(void)state;
	exit = build_and_enter(halt_steps);
	assert_int_equal(exit.exit_reason, RMI_EXIT_SERROR);
	assert_int_equal(exit.esr, 0);
	assert_int_equal(exec_fake_destroys(), 1);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_ERROR_REC);
	assert_int_equal(exec_fake_runs(), 1);
}

/* REC 0 starts REC 1 (CPU_ON), asks about it, REC 1 runs and turns itself
 * off. REC 0's script keeps its own step count across REC 1's turns. */
static unsigned rec0_next;

static void psci_rec0_steps(unsigned run, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	(void)run;
	switch (rec0_next++) {
	case 0:
		exec_fake_smc(ctx, trap, PSCI_VERSION, 0, 0, 0, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], 0x10001);
		exec_fake_smc(ctx, trap, PSCI_FEATURES, PSCI_CPU_ON, 0, 0, 0);
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], 0);
		exec_fake_smc(ctx, trap, PSCI_FEATURES, 0x8400001F, 0, 0, 0);
		break;
	case 3:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_NOT_SUPPORTED);
		ctx->gprs[4] = 0x4444;
		exec_fake_smc(ctx, trap, PSCI_CPU_SUSPEND, 0x10000, 0x2000, 3, 0x4444);
		break;
	case 4: /* after the CPU_SUSPEND exit: the call returned SUCCESS */
		assert_int_equal(ctx->gprs[0], PSCI_SUCCESS);
		assert_int_equal(ctx->gprs[1], 0x10000); /* nothing else changed */
		assert_int_equal(ctx->gprs[4], 0x4444);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, EXEC_UNPROT_BASE, 0, 0);
		break;
	case 5:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_INVALID_ADDRESS);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 2, 0x1000, 0, 0); /* no such REC */
		break;
	case 6:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_INVALID_PARAMETERS);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, UINT64_C(1) << 40, 0x1000, 0, 0); /* not an MPIDR */
		break;
	case 7:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_INVALID_PARAMETERS);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 0, 0x1000, 0, 0); /* itself */
		break;
	case 8:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_ALREADY_ON);
		exec_fake_smc(ctx, trap, PSCI_AFFINITY_INFO, 0, 0, 0, 0); /* itself: on */
		break;
	case 9:
		assert_int_equal(ctx->gprs[0], PSCI_AFFINITY_ON);
		exec_fake_smc(ctx, trap, PSCI_AFFINITY_INFO, 1, 1, 0, 0); /* level 1: not supported */
		break;
	case 10:
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_INVALID_PARAMETERS);
		/* The SMC32 form, upper halves ignored. */
		exec_fake_smc(ctx, trap, UINT64_C(0x84000003), UINT64_C(0xFFFFFFFF00000001), 0x1000, 77, 0);
		break;
	case 11: /* PSCI_COMPLETE said SUCCESS */
		assert_int_equal(ctx->gprs[0], PSCI_SUCCESS);
		exec_fake_smc(ctx, trap, PSCI_AFFINITY_INFO, 1, 0, 0, 0);
		break;
	case 12: /* REC 1 has turned itself off since */
		assert_int_equal(ctx->gprs[0], PSCI_AFFINITY_OFF);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, 0x2000, 88, 0);
		break;
	case 13:
		assert_int_equal(ctx->gprs[0], PSCI_SUCCESS);
		exec_fake_smc(ctx, trap, PSCI_SYSTEM_OFF, 0, 0, 0, 0);
		break;
	}
}

static void psci_rec1_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	assert_int_equal(step, 0);
	assert_int_equal(ctx->pc, 0x1000);
	assert_int_equal(ctx->gprs[0], 77);
	assert_int_equal(ctx->gprs[1], 0);
	assert_int_equal(ctx->started, 0);
	exec_fake_smc(ctx, trap, PSCI_CPU_OFF, 0, 0, 0, 0);
}

/* REC 1 again after CPU_OFF and a second CPU_ON: a fresh start. */
static void psci_rec1_again_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				  struct plat_trap *trap)
{
	(void)s2;
	assert_int_equal(step, 0);
	assert_int_equal(ctx->pc, 0x2000);
	assert_int_equal(ctx->gprs[0], 88);
	assert_int_equal(ctx->started, 0);
	assert_int_equal(ctx->cpu, 0);
	trap->kind = PLAT_TRAP_IRQ;
}

static void test_psci(void **state)
{
	struct rmm_debug_realm info;
	struct rmi_rec_exit exit;

	(void)state;
	rec0_next = 0;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(psci_rec0_steps);
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_ERROR_REC); /* not runnable yet */
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	/* CPU_SUSPEND tells the host (X0 = the FID only) and completes itself. */
	exit = exec_exit(&realm);
	assert_int_equal(exec_fake_runs(), 4);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_CPU_SUSPEND);
	for (unsigned i = 1; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exec_fake_runs(), 11);
	/* CPU_ON, SMC32 form: the host sees that FID and the target MPIDR only;
	 * the entry point and context ID stay in the monitor. */
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_CPU_ON_32);
	assert_int_equal(exit.gprs[1], 1);
	for (unsigned i = 2; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
	/* Until the host completes the request, REC 0 cannot run. */
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS); /* AFFINITY_INFO(1) */
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_AFFINITY_INFO);
	assert_int_equal(exit.gprs[1], 1);
	assert_int_equal(exit.gprs[2], 0);

	/* REC 1 starts at the entry point with the context ID, then turns off. */
	exec_fake_set_step(psci_rec1_steps);
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_CPU_OFF);
	assert_int_equal(exit.gprs[1], 0);
	assert_int_equal(exec_fake_destroys(), 1); /* its context is gone */
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_ERROR_REC);

	/* The host answers REC 0's AFFINITY_INFO: REC 1 is off. */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
	exec_fake_set_step(psci_rec0_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_CPU_ON);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
	exec_fake_set_step(psci_rec1_again_steps);
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);

	exec_fake_set_step(psci_rec0_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_SYSTEM_OFF);
	assert_true(rmm_debug_realm(realm.rd, &info));
	assert_int_equal(info.state, REALM_STATE_SYSTEM_OFF);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_STATUS(RMI_ERROR_REALM, 1));
	/* SYSTEM_OFF outranks the REC's own conditions (rec_mmio here), as in
	 * TF-RMM rel0. */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_EMUL_MMIO, NULL),
			 RMI_STATUS(RMI_ERROR_REALM, 1));
	assert_int_equal(exec_fake_runs(), 1);
}

/* The SMC32 and SMC64 forms of CPU_SUSPEND and AFFINITY_INFO reach the host
 * as the realm used them. */
static void psci_forms_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			     struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, PSCI_CPU_SUSPEND_32 | SMC_FID_SVE_HINT, 1, 2, 3, 4);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], PSCI_SUCCESS);
		exec_fake_smc(ctx, trap, PSCI_AFFINITY_INFO_32, UINT64_C(0xABCD000000000001), 0, 0, 0);
		break;
	default:
		fail_msg("AFFINITY_INFO returned before PSCI_COMPLETE");
	}
}

static void test_psci_function_ids_forwarded(void **state)
{
	struct rmi_rec_exit exit = build_and_enter(psci_forms_steps);

	(void)state;
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_CPU_SUSPEND_32);
	assert_int_equal(exit.gprs[1], 0);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_PSCI);
	assert_int_equal(exit.gprs[0], PSCI_AFFINITY_INFO_32);
	assert_int_equal(exit.gprs[1], 1); /* W1 */
	assert_int_equal(exit.gprs[2], 0);
	/* The request is completed as the SMC32 call it was. */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], (uint64_t)(int64_t)PSCI_DENIED).x[0],
			 RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
}

/* PSCI_COMPLETE with DENIED: allowed for a target that is off (the realm
 * sees DENIED); refused, changing nothing, for one that is on or running. */
static unsigned denied_next;

static void denied_rec0_steps(unsigned run, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			      struct plat_trap *trap)
{
	(void)s2;
	(void)run;
	switch (denied_next++) {
	case 0:
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, 0x1000, 5, 0);
		break;
	case 1: /* denied while REC 1 was off */
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_DENIED);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, 0x1000, 5, 0);
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], PSCI_SUCCESS);
		exec_fake_smc(ctx, trap, PSCI_CPU_ON, 1, 0x2000, 6, 0);
		break;
	case 3: /* REC 1 was on: the host could only answer SUCCESS */
		assert_int_equal(ctx->gprs[0], (uint64_t)(int64_t)PSCI_ALREADY_ON);
		exec_fake_irq(trap);
		break;
	}
}

static void denied_rec1_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			      struct plat_trap *trap)
{
	(void)s2;
	(void)ctx;
	assert_int_equal(step, 0);
	/* REC 1 is running: the host cannot deny a CPU_ON of it. */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], (uint64_t)(int64_t)PSCI_DENIED).x[0],
			 RMI_ERROR_INPUT);
	exec_fake_irq(trap);
}

static void test_psci_complete_denied(void **state)
{
	const uint64_t denied = (uint64_t)(int64_t)PSCI_DENIED;

	(void)state;
	denied_next = 0;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(denied_rec0_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], denied).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_ERROR_REC); /* still off */
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS); /* CPU_ON(1) again */
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_PSCI);
	/* REC 1 is runnable now: DENIED is refused and the request stays. */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], denied).x[0], RMI_ERROR_INPUT);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_ERROR_REC); /* rec_psci */
	exec_fake_set_step(denied_rec1_steps);
	assert_int_equal(exec_enter(&realm, 1, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_SUCCESS);
	exec_fake_set_step(denied_rec0_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(denied_next, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_unprotected_fault),
		EXEC_TEST(test_protected_faults),
		EXEC_TEST(test_halted_cpu),
		EXEC_TEST(test_psci),
		EXEC_TEST(test_psci_function_ids_forwarded),
		EXEC_TEST(test_psci_complete_denied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
