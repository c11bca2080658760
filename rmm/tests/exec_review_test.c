/*
 * Regression tests for defects found by reviewing the monitor's realm-facing
 * code (REC_ENTER and its exits, RSI, PSCI, RIPAS changes, realm memory
 * access, attestation). Each test drives the monitor through RMI with a
 * scripted CPU (exec_fake_cpu.h) playing the realm, and fails on the code
 * as it was before the matching fix.
 */
#include <stdbool.h>

#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"

#define MIB2 UINT64_C(0x200000)

static struct exec_realm realm;

/* The realm asks for RIPAS RAM over one granule at 4 MiB, where no level-3
 * RTT exists yet; then it reads the RIPAS of [2 MiB, 8 MiB). */
static void get_over_table_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				 struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 2 * MIB2, 2 * MIB2 + 0x1000, RIPAS_RAM, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[1], 2 * MIB2 + 0x1000);
		assert_int_equal(ctx->gprs[2], RSI_ACCEPT);
		/* [2 MiB, 4 MiB) is one EMPTY level-2 entry; [4 MiB, 6 MiB) is a
		 * level-3 RTT whose first granule is RAM. */
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_GET, MIB2, 4 * MIB2, 0, 0);
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[2], RIPAS_EMPTY);
		assert_int_equal(ctx->gprs[1], 2 * MIB2); /* not past the RAM granule */
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_GET, 2 * MIB2, 4 * MIB2, 0, 0);
		break;
	case 3:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[2], RIPAS_RAM);
		assert_int_equal(ctx->gprs[1], 2 * MIB2 + 0x1000);
		/* An all-EMPTY level-3 RTT (at 6 MiB) inside an EMPTY run does
		 * not end it. */
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_GET, 2 * MIB2 + 0x1000, 8 * MIB2, 0, 0);
		break;
	case 4:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[2], RIPAS_EMPTY);
		assert_int_equal(ctx->gprs[1], 8 * MIB2);
		exec_fake_irq(trap);
		break;
	}
}

/* RSI_IPA_STATE_GET counted a TABLE entry met while scanning a level-2
 * table as RIPAS EMPTY, so a run of EMPTY entries swallowed the RAM granules
 * of the RTT below it. */
static void test_ipa_state_get_does_not_skip_tables(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(get_over_table_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_RIPAS_CHANGE);
	assert_int_equal(RMI(RMI_RTT_CREATE, realm.rd, test_delegated(), 2 * MIB2, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, realm.rd, test_delegated(), 3 * MIB2, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 2 * MIB2, 2 * MIB2 + 0x1000).x[0],
			 RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), 5);
}

/* While the REC runs after its RIPAS change was answered, the host cannot
 * apply that (finished) request again, nor a new one the realm has not made. */
static void set_ripas_running_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				    struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x2000, 0x4000, RIPAS_EMPTY, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[1], 0x3000);
		assert_int_equal(test_granule_refcount(realm.rec[0]), 1);
		assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x3000, 0x4000).x[0],
				 RMI_ERROR_INPUT);
		assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x2000, 0x3000).x[0],
				 RMI_ERROR_INPUT);
		exec_fake_irq(trap);
		break;
	}
}

static void test_set_ripas_while_running(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(set_ripas_running_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x2000, 0x3000).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, realm.rd, 0x3000, 3).x[4], RIPAS_RAM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_ipa_state_get_does_not_skip_tables),
		EXEC_TEST(test_set_ripas_while_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
