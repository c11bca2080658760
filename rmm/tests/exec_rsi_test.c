/*
 * The monitor's RSI commands, driven through RMI_REC_ENTER with a scripted
 * CPU (exec_fake_cpu.h) playing the realm: each step checks the results of
 * the previous call in the REC's registers and makes the next call.
 */
#include <stdbool.h>

#include "abi/rsi.h"
#include "exec_fake_cpu.h"
#include "exec_realm.h"

static struct exec_realm realm;

/* Runs the script on REC 0 to its final IRQ exit; checks the monitor gave the REC back. */
static void run_script(exec_fake_step_fn fn, unsigned expected_runs)
{
	exec_fake_set_step(fn);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), expected_runs);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
}

static void version_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			  struct plat_trap *trap)
{
	switch (step) {
	case 0:
		assert_int_equal(s2->vmid, 9);
		assert_int_equal(s2->ipa_bits, EXEC_IPA_BITS);
		assert_int_equal(s2->level_start, 1);
		assert_int_equal(s2->num_root_rtts, 1);
		assert_int_equal(s2->rtt_base, realm.root);
		assert_int_equal(ctx->pc, 0);
		assert_int_equal(ctx->gprs[0], 0x11); /* REC_CREATE's gprs */
		ctx->gprs[5] = 0x5555;
		exec_fake_smc(ctx, trap, RSI_VERSION, RSI_ABI_VERSION, 0, 0, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[1], RSI_ABI_VERSION);
		assert_int_equal(ctx->gprs[2], RSI_ABI_VERSION);
		assert_int_equal(ctx->gprs[5], 0x5555); /* preserved */
		exec_fake_smc(ctx, trap, RSI_VERSION | SMC_FID_SVE_HINT, ABI_VERSION(2, 0), 0, 0, 0);
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		assert_int_equal(ctx->gprs[2], RSI_ABI_VERSION);
		exec_fake_smc(ctx, trap, RSI_FEATURES, 0, 7, 0, 0);
		break;
	case 3:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[1], 0);
		exec_fake_smc(ctx, trap, SMCCC_VERSION_FID, 0, 0, 0, 0);
		break;
	case 4:
		assert_int_equal(ctx->gprs[0], 0x10002);
		exec_fake_smc(ctx, trap, SMC64_STD_FID(0x1A0), 0, 0, 0, 0); /* RSI range, unassigned */
		break;
	case 5:
		assert_int_equal(ctx->gprs[0], SMC_UNKNOWN);
		exec_fake_smc(ctx, trap, SMC64_SIP_FID(0x10), 0, 0, 0, 0); /* CAEC extension: not yet */
		break;
	case 6:
		assert_int_equal(ctx->gprs[0], SMC_UNKNOWN);
		exec_fake_smc(ctx, trap, UINT64_C(0xC5000000), 0, 0, 0, 0);
		break;
	case 7:
		assert_int_equal(ctx->gprs[0], SMC_UNKNOWN);
		exec_fake_irq(trap);
		break;
	}
}

static void test_version_features_unknown(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	run_script(version_steps, 8);
}

static uint8_t rem_value[64];

static void measurement_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			      struct plat_trap *trap)
{
	struct rmm_debug_realm info;
	uint64_t words[8];

	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_READ, 0, 0, 0, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_true(rmm_debug_realm(realm.rd, &info));
		memcpy(words, info.rim, 64);
		for (unsigned i = 0; i < 8; i++)
			assert_int_equal(ctx->gprs[1 + i], words[i]);
		for (unsigned i = 0; i < 64; i++)
			rem_value[i] = (uint8_t)(0xA0 + i);
		memcpy(words, rem_value, 64);
		for (unsigned i = 0; i < 8; i++)
			ctx->gprs[3 + i] = words[i];
		ctx->gprs[0] = RSI_MEASUREMENT_EXTEND;
		ctx->gprs[1] = 2;
		ctx->gprs[2] = 5; /* only the first 5 bytes count */
		trap->kind = PLAT_TRAP_SMC;
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_READ, 2, 0, 0, 0);
		break;
	case 3: {
		uint8_t in[32 + 5] = { 0 }, expect[64];

		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		memcpy(in + 32, rem_value, 5);
		test_hash(RMI_HASH_SHA_256, in, sizeof(in), expect);
		memcpy(words, expect, 64);
		for (unsigned i = 0; i < 8; i++)
			assert_int_equal(ctx->gprs[1 + i], words[i]);
		assert_true(rmm_debug_realm(realm.rd, &info));
		assert_memory_equal(info.rem[1], expect, 64);
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_EXTEND, 0, 4, 0, 0); /* the RIM is not a REM */
		break;
	}
	case 4:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_EXTEND, 5, 4, 0, 0);
		break;
	case 5:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_EXTEND, 1, 65, 0, 0);
		break;
	case 6:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_MEASUREMENT_READ, 5, 0, 0, 0);
		break;
	case 7:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		assert_true(rmm_debug_realm(realm.rd, &info));
		{
			uint8_t zero[64] = { 0 };

			assert_memory_equal(info.rem[0], zero, 64); /* failed calls changed nothing */
			assert_memory_equal(info.rem[3], zero, 64);
		}
		exec_fake_irq(trap);
		break;
	}
}

static void test_measurement_read_extend(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	run_script(measurement_steps, 8);
}

static void realm_config_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			       struct plat_trap *trap)
{
	static const uint64_t bad[] = { 0x1008, 0x5000, EXEC_UNPROT_BASE + 0x1000, UINT64_C(1) << 40 };

	(void)s2;
	if (step == 0) {
		exec_fake_smc(ctx, trap, RSI_REALM_CONFIG, 0x1000, 0, 0, 0);
		return;
	}
	if (step == 1) {
		const struct rsi_realm_config *cfg = hostsim_monitor_view(realm.data[1]);
		uint8_t rpv[64];

		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(cfg->ipa_width, EXEC_IPA_BITS);
		assert_int_equal(cfg->hash_algo, RMI_HASH_SHA_256);
		memset(rpv, 0x5c, sizeof(rpv));
		assert_memory_equal(cfg->rpv, rpv, 64);
	} else {
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
	}
	if (step - 1 < sizeof(bad) / sizeof(bad[0]))
		exec_fake_smc(ctx, trap, RSI_REALM_CONFIG, bad[step - 1], 0, 0, 0);
	else
		exec_fake_irq(trap);
}

static void test_realm_config(void **state)
{
	uint8_t junk[4096];

	(void)state;
	memset(junk, 0xee, sizeof(junk));
	exec_realm_build(&realm, junk);
	run_script(realm_config_steps, 6);
}

struct state_get_case {
	uint64_t base, end, status, top, ripas;
};

static const struct state_get_case get_cases[] = {
	{ 0, EXEC_RAM_TOP, RSI_SUCCESS, EXEC_RAM_TOP, RIPAS_RAM },
	{ 0x1000, 0x3000, RSI_SUCCESS, 0x3000, RIPAS_RAM },       /* capped at end */
	{ 0, EXEC_UNPROT_BASE, RSI_SUCCESS, EXEC_RAM_TOP, RIPAS_RAM },
	{ EXEC_RAM_TOP, EXEC_UNPROT_BASE, RSI_SUCCESS, EXEC_UNPROT_BASE, RIPAS_EMPTY }, /* many tables */
	{ 0x3000, 0x200000, RSI_SUCCESS, EXEC_RAM_TOP, RIPAS_RAM },
	{ 0x1001, 0x2000, RSI_ERROR_INPUT, 0, 0 },
	{ 0x1000, 0x2001, RSI_ERROR_INPUT, 0, 0 },
	{ 0x2000, 0x2000, RSI_ERROR_INPUT, 0, 0 },
	{ 0x2000, 0x1000, RSI_ERROR_INPUT, 0, 0 },
	{ 0, EXEC_UNPROT_BASE + 0x1000, RSI_ERROR_INPUT, 0, 0 },
};
#define NUM_GET_CASES (sizeof(get_cases) / sizeof(get_cases[0]))

static void state_get_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	if (step > 0) {
		const struct state_get_case *c = &get_cases[step - 1];

		assert_int_equal(ctx->gprs[0], c->status);
		if (c->status == RSI_SUCCESS) {
			assert_int_equal(ctx->gprs[1], c->top);
			assert_int_equal(ctx->gprs[2], c->ripas);
		}
	}
	if (step < NUM_GET_CASES)
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_GET, get_cases[step].base, get_cases[step].end, 0, 0);
	else
		exec_fake_irq(trap);
}

static void test_ipa_state_get(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	run_script(state_get_steps, NUM_GET_CASES + 1);
}

/* IPA_STATE_SET: refused inputs return at once; a valid one exits. */
static void state_set_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x3000, 0x4000, RIPAS_DESTROYED, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x3000, 0x4000, RIPAS_EMPTY, 2);
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x3000, 0x4800, RIPAS_EMPTY, 0);
		break;
	case 3:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x3000, EXEC_UNPROT_BASE + 0x1000, RIPAS_EMPTY, 0);
		break;
	case 4:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x2000, 0x4000, RIPAS_EMPTY, 0);
		break;
	case 5: /* after the host's ACCEPT */
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[1], 0x4000);
		assert_int_equal(ctx->gprs[2], RSI_ACCEPT);
		exec_fake_smc(ctx, trap, RSI_IPA_STATE_SET, 0x2000, 0x4000, RIPAS_RAM, 0);
		break;
	case 6: /* after the host's REJECT */
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[1], 0x2000);
		assert_int_equal(ctx->gprs[2], RSI_REJECT);
		exec_fake_irq(trap);
		break;
	}
}

/* ---- the exit record's reserved bytes -------------------------------------- */

/* Fills the host's exit record with a pattern before an entry. */
static void scribble_exit(void)
{
	uint8_t junk[sizeof(struct rmi_rec_exit)];

	memset(junk, 0xa5, sizeof(junk));
	assert_true(hostsim_host_write(realm.run + offsetof(struct rmi_rec_run, exit), junk, sizeof(junk)));
}

/* Every byte of the exit record outside its fields is zero: the monitor wrote
 * the whole record, reserved bytes too. */
static void expect_reserved_zero(const struct rmi_rec_exit *exit)
{
	static const struct { size_t at, len; } fields[] = {
		{ offsetof(struct rmi_rec_exit, exit_reason), 1 },
		{ offsetof(struct rmi_rec_exit, esr), 0x18 },
		{ offsetof(struct rmi_rec_exit, gprs), 8 * RMI_REC_RUN_GPRS },
		{ offsetof(struct rmi_rec_exit, gicv3_hcr), 0x98 },
		{ offsetof(struct rmi_rec_exit, cntp_ctl), 0x20 },
		{ offsetof(struct rmi_rec_exit, ripas_base), 0x11 },
		{ offsetof(struct rmi_rec_exit, imm), 2 },
		{ offsetof(struct rmi_rec_exit, pmu_ovf_status), 1 },
	};
	const uint8_t *b = (const uint8_t *)exit;
	size_t f = 0;

	for (size_t i = 0; i < sizeof(*exit); i++) {
		while (f < sizeof(fields) / sizeof(fields[0]) && i >= fields[f].at + fields[f].len)
			f++;
		if (f < sizeof(fields) / sizeof(fields[0]) && i >= fields[f].at)
			continue;
		if (b[i] != 0)
			fail_msg("exit record byte 0x%zx is 0x%02x, not 0", i, b[i]);
	}
}

static void test_ipa_state_set(void **state)
{
	struct rmi_rec_exit exit;
	struct smc_regs r;

	(void)state;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(state_set_steps);
	/* No request yet: the host cannot change RIPAS on the REC's behalf. */
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x2000, 0x3000).x[0], RMI_ERROR_INPUT);
	scribble_exit();
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	expect_reserved_zero(&exit);
	assert_int_equal(exit.exit_reason, RMI_EXIT_RIPAS_CHANGE);
	assert_int_equal(exit.ripas_base, 0x2000);
	assert_int_equal(exit.ripas_top, 0x4000);
	assert_int_equal(exit.ripas_value, RIPAS_EMPTY);
	assert_int_equal(exec_fake_runs(), 5);
	/* The host applies it (two granules, one call) and accepts. */
	r = RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x2000, 0x4000);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 0x4000);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, realm.rd, 0x2000, 3).x[4], RIPAS_EMPTY);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, realm.rd, 0x3000, 3).x[4], RIPAS_EMPTY);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_RIPAS_CHANGE);
	assert_int_equal(exit.ripas_value, RIPAS_RAM);
	/* Answered once: the old request is gone, the new one is pending. */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_RIPAS_RESPONSE, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, realm.rd, 0x2000, 3).x[4], RIPAS_EMPTY);
	/* After the answer, no request is left for the host to act on. */
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, realm.rd, realm.rec[0], 0x2000, 0x3000).x[0], RMI_ERROR_INPUT);
}

/* An RsiHostCall at IPA 0x1100 (offset 0x100 of DATA granule 1). */
static void host_call_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
			    struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, 0x1104, 0, 0, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, 0x5000, 0, 0, 0); /* EMPTY */
		break;
	case 2:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, EXEC_UNPROT_BASE + 0x100, 0, 0, 0);
		break;
	case 3:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, 0x1100, 0, 0, 0);
		break;
	case 4: {
		const struct rsi_host_call *call =
			(const void *)((const uint8_t *)hostsim_monitor_view(realm.data[1]) + 0x100);

		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(call->imm, 0xCAE0);
		for (unsigned i = 0; i < RSI_HOST_CALL_GPRS; i++)
			assert_int_equal(call->gprs[i], 5000 + i);
		exec_fake_irq(trap);
		break;
	}
	}
}

static void test_host_call(void **state)
{
	uint8_t content[4096] = { 0 };
	struct rsi_host_call call = { .imm = 0xCAE0 };
	struct rmi_rec_exit exit;
	uint64_t answer[RMI_REC_RUN_GPRS];

	(void)state;
	for (unsigned i = 0; i < RSI_HOST_CALL_GPRS; i++)
		call.gprs[i] = 100 + i;
	memcpy(content + 0x100, &call, sizeof(call));
	exec_realm_build(&realm, content);
	exec_fake_set_step(host_call_steps);
	scribble_exit();
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	expect_reserved_zero(&exit);
	/* imm is 16 bits at 0x600 (little-endian), the next bytes reserved. */
	assert_int_equal(((const uint8_t *)&exit)[0x600], 0xe0);
	assert_int_equal(((const uint8_t *)&exit)[0x601], 0xca);
	assert_int_equal(exit.exit_reason, RMI_EXIT_HOST_CALL);
	assert_int_equal(exit.imm, 0xCAE0);
	for (unsigned i = 0; i < RSI_HOST_CALL_GPRS; i++) {
		assert_int_equal(exit.gprs[i], 100 + i);
		answer[i] = 5000 + i;
	}
	assert_int_equal(exit.esr, 0);
	assert_int_equal(exit.hpfar, 0);
	assert_int_equal(exec_enter(&realm, 0, 0, answer), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
}

/* While the REC runs, the host's other CPUs cannot enter or destroy it, nor
 * complete a PSCI request it has not made. */
static void busy_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
		       struct plat_trap *trap)
{
	(void)s2;
	(void)ctx;
	assert_int_equal(step, 0);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 1);
	assert_int_equal(RMI(RMI_REC_ENTER, realm.rec[0], realm.run).x[0], RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_REC_DESTROY, realm.rec[0]).x[0], RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, realm.rec[0], realm.rec[1], 0).x[0], RMI_ERROR_INPUT);
	exec_fake_irq(trap);
}

static void test_running_rec_is_busy(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	run_script(busy_steps, 1);
	assert_int_equal(exec_fake_destroys(), 0);
	assert_int_equal(RMI(RMI_REC_DESTROY, realm.rec[0]).x[0], RMI_SUCCESS);
	assert_int_equal(exec_fake_destroys(), 1); /* the platform context went with it */
	assert_int_equal(test_granule_state(realm.rec[0]), GRANULE_STATE_DELEGATED);
}

/* ---- RSI calls on memory the host has not mapped yet ---------------------- */

#define EC_DABT (UINT64_C(0x24) << 26)
#define ESR_IL  (UINT64_C(1) << 25)
#define DFSC_TRANSLATION_L3 UINT64_C(0x07)

/* The exit a call on unmapped protected memory at ipa gives the host. */
static void expect_unmapped_exit(uint64_t ipa)
{
	struct rmi_rec_exit exit = exec_exit(&realm);

	assert_int_equal(exit.exit_reason, RMI_EXIT_SYNC);
	assert_int_equal(exit.esr, EC_DABT | ESR_IL | DFSC_TRANSLATION_L3);
	assert_int_equal(exit.far, 0);
	assert_int_equal(exit.hpfar, (ipa >> 12) << 4);
	for (unsigned i = 0; i < RMI_REC_RUN_GPRS; i++)
		assert_int_equal(exit.gprs[i], 0);
}

/* REALM_CONFIG into 0x3000 (RIPAS RAM, no granule): the realm makes the call
 * once; the monitor runs it again when the host has mapped the page. */
static void unmapped_config_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				  struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		ctx->gprs[7] = 0x7777;
		exec_fake_smc(ctx, trap, RSI_REALM_CONFIG, 0x3000, 0, 0, 0);
		break;
	case 1: /* the call, run again after the host's DATA_CREATE_UNKNOWN, succeeded */
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		assert_int_equal(ctx->gprs[7], 0x7777);
		exec_fake_irq(trap);
		break;
	}
}

static void test_realm_config_unmapped_exits_then_retries(void **state)
{
	uint64_t g;

	(void)state;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(unmapped_config_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x3000);
	assert_int_equal(exec_fake_runs(), 1);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
	/* The host has not mapped it: the same exit again, the realm not run. */
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x3000);
	assert_int_equal(exec_fake_runs(), 1);
	/* This abort is of protected memory: INJECT_SEA is refused, nothing
	 * changes, and the call still waits (as in the reference monitor). */
	assert_int_equal(exec_enter(&realm, 0, RMI_REC_ENTRY_INJECT_SEA, NULL), RMI_ERROR_REC);
	assert_int_equal(exec_fake_runs(), 1);
	assert_int_equal(test_granule_refcount(realm.rec[0]), 0);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x3000);
	assert_int_equal(exec_fake_runs(), 1);
	/* It maps the page; the call runs again and the realm sees it succeed. */
	g = test_delegated();
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, realm.rd, g, 0x3000).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), 2);
	assert_int_equal(((const struct rsi_realm_config *)hostsim_monitor_view(g))->ipa_width, EXEC_IPA_BITS);
}

/* REALM_CONFIG into DESTROYED memory exits too; EMPTY memory is refused. */
static void destroyed_config_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				   struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_REALM_CONFIG, 0x5000, 0, 0, 0); /* EMPTY */
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_ERROR_INPUT);
		exec_fake_smc(ctx, trap, RSI_REALM_CONFIG, 0x2000, 0, 0, 0); /* DESTROYED */
		break;
	default:
		fail_msg("the realm ran again after a DESTROYED REALM_CONFIG");
	}
}

static void test_realm_config_destroyed_exits_empty_refused(void **state)
{
	(void)state;
	exec_realm_build(&realm, NULL);
	assert_int_equal(RMI(RMI_DATA_DESTROY, realm.rd, 0x2000).x[0], RMI_SUCCESS);
	exec_fake_set_step(destroyed_config_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x2000);
	assert_int_equal(exec_fake_runs(), 2);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x2000);
	assert_int_equal(exec_fake_runs(), 2);
}

/* HOST_CALL with its RsiHostCall at 0x3100 (unmapped), then its completion
 * into a page that is gone by the time the host answers. */
static void unmapped_host_call_steps(unsigned step, const struct plat_s2 *s2, struct plat_rec_ctx *ctx,
				     struct plat_trap *trap)
{
	(void)s2;
	switch (step) {
	case 0:
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, 0x3100, 0, 0, 0);
		break;
	case 1:
		assert_int_equal(ctx->gprs[0], RSI_SUCCESS);
		exec_fake_smc(ctx, trap, RSI_HOST_CALL, 0x1100, 0, 0, 0);
		break;
	default:
		fail_msg("the realm ran before its host call was complete");
	}
}

static void test_host_call_unmapped(void **state)
{
	uint64_t answer[RMI_REC_RUN_GPRS] = { 0 };
	struct rmi_rec_exit exit;
	uint64_t g;
	struct rsi_host_call call = { .imm = 0x5A };

	(void)state;
	exec_realm_build(&realm, NULL);
	exec_fake_set_step(unmapped_host_call_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	expect_unmapped_exit(0x3100);
	/* The host maps the page (DATA_CREATE, as a VMM filling it from a
	 * file would); the call runs again and reaches the host. */
	g = test_delegated();
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, realm.rd, g, 0x3000).x[0], RMI_SUCCESS);
	memcpy((uint8_t *)hostsim_monitor_view(g) + 0x100, &call, sizeof(call));
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_HOST_CALL);
	assert_int_equal(exit.imm, 0x5A);
	assert_int_equal(exec_fake_runs(), 1);
	answer[0] = 42;
	assert_int_equal(exec_enter(&realm, 0, 0, answer), RMI_SUCCESS);
	exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_HOST_CALL); /* the second call, at 0x1100 */
	assert_int_equal(((const struct rsi_host_call *)((const uint8_t *)hostsim_monitor_view(g) + 0x100))->gprs[0], 42);
	/* The host takes 0x1000 away before answering: the answer cannot be
	 * written, so the REC exits for that page again, without running. */
	assert_int_equal(RMI(RMI_DATA_DESTROY, realm.rd, 0x1000).x[0], RMI_SUCCESS);
	assert_int_equal(exec_enter(&realm, 0, 0, answer), RMI_SUCCESS);
	expect_unmapped_exit(0x1100);
	assert_int_equal(exec_enter(&realm, 0, 0, answer), RMI_SUCCESS);
	expect_unmapped_exit(0x1100);
	assert_int_equal(exec_fake_runs(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_version_features_unknown),
		EXEC_TEST(test_measurement_read_extend),
		EXEC_TEST(test_realm_config),
		EXEC_TEST(test_ipa_state_get),
		EXEC_TEST(test_ipa_state_set),
		EXEC_TEST(test_host_call),
		EXEC_TEST(test_realm_config_unmapped_exits_then_retries),
		EXEC_TEST(test_realm_config_destroyed_exits_empty_refused),
		EXEC_TEST(test_host_call_unmapped),
		EXEC_TEST(test_running_rec_is_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
