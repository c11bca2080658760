/* plat_ns_read/write: the monitor copies host memory only while it is NS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define GRANULES 64u
#define ROOT     16u

static void ns_read_and_write_ns_memory(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	const char msg[] = "host structure";
	char got[sizeof(msg)];

	assert_true(hostsim_host_write(G(20) + 4090, msg, sizeof(msg))); /* spans 20..21 */
	assert_true(plat_ns_read(G(20) + 4090, got, sizeof(got)));
	assert_memory_equal(got, msg, sizeof(msg));
	assert_true(plat_ns_write(G(22), "out", 4));
	assert_true(hostsim_host_read(G(22), got, 4));
	assert_string_equal(got, "out");
	assert_true(plat_ns_read(G(22), got, 0));
}

static void ns_read_of_delegated_granule_copies_nothing(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t buf[2 * PLAT_GRANULE_SIZE];

	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(30)), E_RMM_OK);
	memset(plat_granule_map(G(30)), 0x77, PLAT_GRANULE_SIZE);
	memset(buf, 0xee, sizeof(buf));
	assert_false(plat_ns_read(G(30), buf, 16));
	assert_false(plat_ns_read(G(29) + 8, buf, PLAT_GRANULE_SIZE)); /* NS then REALM */
	assert_false(plat_ns_read(G(30) + 8, buf, PLAT_GRANULE_SIZE)); /* REALM then NS */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
	/* The monitor's own copies are not host GPFs. */
	assert_int_equal(hostsim_gpf_count(), 0);
}

static void ns_write_to_delegated_granule_writes_nothing(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t ones[64];

	memset(ones, 1, sizeof(ones));
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(31)), E_RMM_OK);
	assert_false(plat_ns_write(G(31), ones, sizeof(ones)));
	assert_false(plat_ns_write(G(31) - 8, ones, 16));
	const uint8_t *view = hostsim_monitor_view(G(31) - 8);
	for (size_t i = 0; i < 16 + 8; i++)
		assert_int_equal(view[i], 0);
}

static void ns_access_to_root_or_outside_is_refused(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t b[2];
	assert_false(plat_ns_read(0, b, 1));
	assert_false(plat_ns_read(G(ROOT) - 1, b, 2));
	assert_false(plat_ns_write(G(1), b, 1));
	assert_false(plat_ns_read(G(GRANULES), b, 1));
	assert_false(plat_ns_read(G(GRANULES) - 1, b, 2));
	assert_false(plat_ns_read(UINT64_MAX, b, 2));
	assert_false(plat_ns_write(G(20), b, SIZE_MAX));
	assert_true(plat_ns_read(G(GRANULES) - 1, b, 1));
}

static void ns_access_after_undelegate_works(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t b = 0xff;
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(33)), E_RMM_OK);
	assert_false(plat_ns_read(G(33), &b, 1));
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, G(33)), E_RMM_OK);
	assert_true(plat_ns_read(G(33), &b, 1));
	assert_int_equal(b, 0);
}

static void nothing_works_without_a_machine(void **state)
{
	(void)state;
	uint8_t b = 0;
	assert_int_equal(plat_dram_size(), 0);
	assert_null(plat_granule_map(G(20)));
	assert_false(plat_ns_read(G(20), &b, 1));
	assert_false(hostsim_host_read(G(20), &b, 1));
	assert_int_equal(hostsim_gpt_pas(G(20)), HOSTSIM_PAS_NONE);
	assert_int_equal(hostsim_host_alloc(), HOSTSIM_NO_PA);
	struct smc_regs r = { .x = { RMM_GTSI_DELEGATE, G(20) } };
	plat_el3_smc(&r);
	assert_int_equal(r.x[0], E_RMM_BAD_ADDR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(ns_read_and_write_ns_memory, test_hw_stop),
		cmocka_unit_test_teardown(ns_read_of_delegated_granule_copies_nothing, test_hw_stop),
		cmocka_unit_test_teardown(ns_write_to_delegated_granule_writes_nothing, test_hw_stop),
		cmocka_unit_test_teardown(ns_access_to_root_or_outside_is_refused, test_hw_stop),
		cmocka_unit_test_teardown(ns_access_after_undelegate_works, test_hw_stop),
		cmocka_unit_test(nothing_works_without_a_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
