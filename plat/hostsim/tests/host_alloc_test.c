/* The host's NS granule allocator. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define GRANULES 200u /* more than three bitmap words, not a multiple of 64 */
#define ROOT     16u

static void never_root_or_delegated_and_always_zeroed(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	bool seen[GRANULES] = { false };

	/* Delegate a few granules the host never allocated, and dirty some free ones. */
	for (unsigned g = 50; g < 60; g++)
		assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(g)), E_RMM_OK);
	for (unsigned g = ROOT; g < GRANULES; g += 3)
		memset((void *)hostsim_monitor_view(G(g)), 0xab, 32);

	unsigned count = 0;
	for (;;) {
		uint64_t pa = hostsim_host_alloc();
		if (pa == HOSTSIM_NO_PA)
			break;
		assert_int_equal(pa % PLAT_GRANULE_SIZE, 0);
		unsigned g = (unsigned)(pa >> PLAT_GRANULE_SHIFT);
		assert_true(g >= ROOT && g < GRANULES);
		assert_false(g >= 50 && g < 60);
		assert_false(seen[g]);
		seen[g] = true;
		assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
		const uint8_t *v = hostsim_monitor_view(pa);
		for (size_t i = 0; i < PLAT_GRANULE_SIZE; i++)
			assert_int_equal(v[i], 0);
		count++;
	}
	assert_int_equal(count, GRANULES - ROOT - 10);
	assert_int_equal(hostsim_host_alloc(), HOSTSIM_NO_PA);
}

static void freed_granules_come_back(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pas[GRANULES];
	unsigned n = 0;

	while ((pas[n] = hostsim_host_alloc()) != HOSTSIM_NO_PA)
		n++;
	assert_int_equal(n, GRANULES - ROOT);
	memset(hostsim_host_va(pas[7]), 0xcd, PLAT_GRANULE_SIZE);
	hostsim_host_free(pas[7]);
	uint64_t again = hostsim_host_alloc();
	assert_int_equal(again, pas[7]);
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(again))[0], 0); /* re-zeroed */
	assert_int_equal(hostsim_host_alloc(), HOSTSIM_NO_PA);
}

static void allocated_then_delegated_is_not_handed_out_again(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = hostsim_host_alloc();
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, pa), E_RMM_OK);
	/* The VMM returns it to the allocator while it is still delegated (a VMM
	 * bug, but the allocator must not pass realm memory on). */
	hostsim_host_free(pa);
	uint64_t p;
	while ((p = hostsim_host_alloc()) != HOSTSIM_NO_PA)
		assert_int_not_equal(p, pa);
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, pa), E_RMM_OK);
	assert_int_equal(hostsim_host_alloc(), pa);
}

static void free_twice(void *arg)
{
	(void)arg;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = hostsim_host_alloc();
	hostsim_host_free(pa);
	hostsim_host_free(pa);
}

static void free_unaligned(void *arg)
{
	(void)arg;
	test_hw_start(GRANULES, ROOT);
	hostsim_host_free(hostsim_host_alloc() + 1);
}

static void free_never_allocated(void *arg)
{
	(void)arg;
	test_hw_start(GRANULES, ROOT);
	hostsim_host_free(G(GRANULES - 1));
}

static void free_outside(void *arg)
{
	(void)arg;
	test_hw_start(GRANULES, ROOT);
	hostsim_host_free(HOSTSIM_NO_PA);
}

static void bad_frees_abort(void **state)
{
	(void)state;
	assert_true(death_test(free_twice, NULL, SIGABRT, "hostsim: host_free of PA 0x10000"));
	assert_true(death_test(free_unaligned, NULL, SIGABRT, "hostsim: host_free of PA 0x10001"));
	assert_true(death_test(free_never_allocated, NULL, SIGABRT, "hostsim: host_free of PA 0xc7000"));
	assert_true(death_test(free_outside, NULL, SIGABRT, "hostsim: host_free of PA 0xffffffffffffffff"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(never_root_or_delegated_and_always_zeroed, test_hw_stop),
		cmocka_unit_test_teardown(freed_granules_come_back, test_hw_stop),
		cmocka_unit_test_teardown(allocated_then_delegated_is_not_handed_out_again, test_hw_stop),
		cmocka_unit_test(bad_frees_abort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
