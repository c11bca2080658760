/*
 * The machine with the real monitor (caec_rmm): it boots, serves RMI through
 * hostsim_smc, drives the GPT through EL3, and a second machine can follow
 * the first. Built only when caec_rmm exists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "abi/rmi.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "test_support.h"

static void version_through_smc(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(NULL), 0);
	struct smc_regs r = { .x = { RMI_VERSION, RMI_ABI_VERSION } };
	hostsim_smc(&r);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], RMI_ABI_VERSION);
	assert_int_equal(r.x[2], RMI_ABI_VERSION);
	assert_int_equal(hostsim_start(NULL), -EBUSY);
}

static void el3_services_are_not_reachable_from_the_host(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(NULL), 0);
	uint64_t pa = hostsim_host_alloc();
	assert_int_equal(host_smc(RMM_GTSI_DELEGATE, pa), SMC_UNKNOWN);
	assert_int_equal(host_smc(RMM_BOOT_COMPLETE, 0), SMC_UNKNOWN);
	assert_int_equal(host_smc(SMC64_STD_FID(0x1B2), 0), SMC_UNKNOWN);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
}

static void delegate_closes_the_host_window(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(NULL), 0);
	uint64_t pa = hostsim_host_alloc();
	uint8_t b = 1;
	assert_true(hostsim_host_write(pa, &b, 1));

	assert_int_equal(host_smc(RMI_GRANULE_DELEGATE, pa), RMI_SUCCESS);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_REALM);
	assert_false(hostsim_host_read(pa, &b, 1));
	assert_int_equal(hostsim_gpf_count(), 1);
	unsigned state_, refcount;
	assert_true(rmm_debug_granule(pa, &state_, &refcount));
	assert_int_equal(state_, GRANULE_STATE_DELEGATED);
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(pa))[0], 0);

	assert_int_equal(host_smc(RMI_GRANULE_UNDELEGATE, pa), RMI_SUCCESS);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
	assert_true(hostsim_host_read(pa, &b, 1));
	assert_int_equal(b, 0);
	hostsim_host_free(pa);
}

/* The host delegates alternate granules of all 1 GiB of DRAM through the
 * monitor, then undelegates them: every call succeeds (no host resource runs
 * out under EL3, so the monitor has nothing to panic about). */
static void delegating_alternate_granules_through_the_monitor(void **state)
{
	(void)state;
	struct hostsim_config cfg = { .dram_size = UINT64_C(1) << 30 };
	assert_int_equal(hostsim_start(&cfg), 0);
	uint64_t first = HOSTSIM_DEFAULT_ROOT_GRANULES, granules = cfg.dram_size >> 12;

	for (uint64_t g = first; g < granules; g += 2)
		assert_int_equal(host_smc(RMI_GRANULE_DELEGATE, g << 12), RMI_SUCCESS);
	for (uint64_t g = first; g < granules; g += 2)
		assert_int_equal(host_smc(RMI_GRANULE_UNDELEGATE, g << 12), RMI_SUCCESS);
	for (uint64_t g = first; g < granules; g += 4093)
		assert_int_equal(hostsim_gpt_pas(g << 12), HOSTSIM_PAS_NS);
}

static void root_granule_delegation_is_refused(void **state)
{
	(void)state;
	assert_int_equal(hostsim_start(NULL), 0);
	assert_int_not_equal(host_smc(RMI_GRANULE_DELEGATE, 0), RMI_SUCCESS);
	assert_int_equal(hostsim_gpt_pas(0), HOSTSIM_PAS_ROOT);
}

static void start_stop_start(void **state)
{
	(void)state;
	struct hostsim_config cfg = { .dram_size = UINT64_C(64) << 20 };
	for (int round = 0; round < 3; round++) {
		assert_int_equal(hostsim_start(&cfg), 0);
		uint64_t pa = hostsim_host_alloc();
		assert_int_equal(host_smc(RMI_GRANULE_DELEGATE, pa), RMI_SUCCESS);
		hostsim_stop();
		assert_int_equal(host_smc(RMI_VERSION, RMI_ABI_VERSION), SMC_UNKNOWN);
	}
	/* The next machine starts with every granule NS, in the GPT and the monitor. */
	assert_int_equal(hostsim_start(&cfg), 0);
	uint64_t pa = hostsim_host_alloc();
	unsigned st, rc;
	assert_true(rmm_debug_granule(pa, &st, &rc));
	assert_int_equal(st, GRANULE_STATE_NS);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(version_through_smc, test_machine_stop),
		cmocka_unit_test_teardown(el3_services_are_not_reachable_from_the_host, test_machine_stop),
		cmocka_unit_test_teardown(delegate_closes_the_host_window, test_machine_stop),
		cmocka_unit_test_teardown(root_granule_delegation_is_refused, test_machine_stop),
		cmocka_unit_test_teardown(delegating_alternate_granules_through_the_monitor, test_machine_stop),
		cmocka_unit_test_teardown(start_stop_start, test_machine_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
