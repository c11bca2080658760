/*
 * The machine with a monitor on top, using a fake monitor: boot on start,
 * failure handling, and SMC routing. The real monitor's version of these
 * checks is machine_test.c (built once caec_rmm exists).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "abi/rmi.h"
#include "hostsim_internal.h"
#include "rmm/rmm.h"
#include "test_support.h"

/* ---- the fake monitor ----
 * Its code sits where a monitor's must for EL3 to measure it (the section the
 * build gives the real one, see caec_code_section): a machine refuses to start
 * a monitor that is not in its measured section. */
#define FAKE_MONITOR_CODE __attribute__((section("caec_rmm_text")))
static struct {
	int boot_result;
	bool report_boot_complete;
	unsigned boots;
	unsigned calls;
	uint64_t last_fid;
} fake;

FAKE_MONITOR_CODE int rmm_boot(void)
{
	fake.boots++;
	if (fake.report_boot_complete) {
		struct smc_regs r = { .x = { RMM_BOOT_COMPLETE, fake.boot_result != 0 } };
		plat_el3_smc(&r);
	}
	return fake.boot_result;
}

FAKE_MONITOR_CODE bool rmm_is_rmi_fid(uint64_t fid)
{
	fid &= ~SMC_FID_SVE_HINT;
	return fid >= SMC64_STD_FID(0x150) && fid <= SMC64_STD_FID(0x18F);
}

FAKE_MONITOR_CODE void rmm_handle_rmi(struct smc_regs *regs)
{
	fake.calls++;
	fake.last_fid = regs->x[0];
	switch (regs->x[0] & ~SMC_FID_SVE_HINT) {
	case RMI_VERSION:
		regs->x[0] = RMI_SUCCESS;
		regs->x[1] = regs->x[2] = RMI_ABI_VERSION;
		break;
	case RMI_GRANULE_DELEGATE: {
		struct smc_regs el3 = { .x = { RMM_GTSI_DELEGATE, regs->x[1] } };
		plat_el3_smc(&el3);
		regs->x[0] = el3.x[0] == E_RMM_OK ? RMI_SUCCESS : RMI_ERROR_INPUT;
		break;
	}
	default:
		regs->x[0] = SMC_UNKNOWN;
	}
}

static int reset_fake(void **state)
{
	(void)state;
	fake = (typeof(fake)){ .report_boot_complete = true };
	return 0;
}

static const struct hostsim_config small = { .dram_size = G(64), .root_granules = 4 };

static void start_boots_the_monitor(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(&small), 0);
	assert_int_equal(fake.boots, 1);
	assert_true(hostsim_el3_boot_completed());
	assert_int_equal(hostsim_start(&small), -EBUSY);
	assert_int_equal(fake.boots, 1);
}

static void rmi_calls_reach_the_monitor(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(&small), 0);
	struct smc_regs r = { .x = { RMI_VERSION, RMI_ABI_VERSION } };
	hostsim_smc(&r);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], RMI_ABI_VERSION);
	assert_int_equal(fake.calls, 1);
	assert_int_equal(host_smc(RMI_VERSION | SMC_FID_SVE_HINT, 0), RMI_SUCCESS);
	assert_int_equal(fake.last_fid, RMI_VERSION | SMC_FID_SVE_HINT);

	assert_int_equal(host_smc(RMI_GRANULE_DELEGATE, G(10)), RMI_SUCCESS);
	assert_int_equal(hostsim_gpt_pas(G(10)), HOSTSIM_PAS_REALM);
	uint8_t b;
	assert_false(hostsim_host_read(G(10), &b, 1));
}

static void other_fids_are_unknown_to_the_normal_world(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(&small), 0);
	const uint64_t fids[] = { RMM_GTSI_DELEGATE, RMM_GTSI_UNDELEGATE, RMM_BOOT_COMPLETE,
				  RMM_GET_REALM_ATTEST_KEY, RMM_GET_PLAT_TOKEN, 0, SMCCC_VERSION_FID,
				  SMC64_STD_FID(0x14F), SMC64_STD_FID(0x190), SMC64_SIP_FID(0x150),
				  UINT64_MAX };
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		assert_int_equal(host_smc(fids[i], G(10)), SMC_UNKNOWN);
	assert_int_equal(fake.calls, 0);
	/* The normal world cannot flip the GPT itself. */
	assert_int_equal(hostsim_gpt_pas(G(10)), HOSTSIM_PAS_NS);
}

static void failed_boot_leaves_nothing(void **state)
{
	(void)state;
	fake.boot_result = -ENOMEM;
	assert_int_equal(hostsim_start(&small), -ENOMEM);
	assert_int_equal(plat_dram_size(), 0);
	assert_int_equal(host_smc(RMI_VERSION, 0), SMC_UNKNOWN);
	assert_int_equal(fake.calls, 0);

	fake.boot_result = 3; /* not a negative errno: still a failure */
	assert_int_equal(hostsim_start(&small), -EIO);
	assert_int_equal(plat_dram_size(), 0);

	fake.boot_result = 0;
	fake.report_boot_complete = false; /* booted, but never told EL3 */
	assert_int_equal(hostsim_start(&small), -EPROTO);
	assert_int_equal(plat_dram_size(), 0);

	fake.report_boot_complete = true;
	assert_int_equal(hostsim_start(&small), 0);
	assert_int_equal(host_smc(RMI_VERSION, 0), RMI_SUCCESS);
}

static void bad_config_does_not_boot(void **state)
{
	(void)state;
	struct hostsim_config bad = { .dram_size = 12345 };
	assert_int_equal(hostsim_start(&bad), -EINVAL);
	assert_int_equal(fake.boots, 0);
}

static void start_stop_start(void **state)
{
	(void)state;
	for (unsigned round = 1; round <= 3; round++) {
		assert_int_equal(hostsim_start(&small), 0);
		assert_int_equal(fake.boots, round);
		assert_int_equal(host_smc(RMI_GRANULE_DELEGATE, G(10)), RMI_SUCCESS);
		assert_int_equal(hostsim_gpf_count(), 0);
		hostsim_stop();
		assert_int_equal(host_smc(RMI_VERSION, 0), SMC_UNKNOWN);
		assert_int_equal(plat_dram_size(), 0);
	}
	assert_int_equal(fake.calls, 3);
	hostsim_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(start_boots_the_monitor, reset_fake, test_machine_stop),
		cmocka_unit_test_setup_teardown(rmi_calls_reach_the_monitor, reset_fake, test_machine_stop),
		cmocka_unit_test_setup_teardown(other_fids_are_unknown_to_the_normal_world, reset_fake, test_machine_stop),
		cmocka_unit_test_setup_teardown(failed_boot_leaves_nothing, reset_fake, test_machine_stop),
		cmocka_unit_test_setup_teardown(bad_config_does_not_boot, reset_fake, test_machine_stop),
		cmocka_unit_test_setup_teardown(start_stop_start, reset_fake, test_machine_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
