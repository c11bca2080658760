/* Bringing the hardware up and down: configuration, repetition, release. */
#include <errno.h>
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

static void defaults_are_one_gib_and_sixteen_root(void **state)
{
	(void)state;
	assert_int_equal(hostsim_hw_start(NULL), 0);
	assert_int_equal(plat_dram_size(), HOSTSIM_DEFAULT_DRAM_SIZE);
	assert_int_equal(hostsim_gpt_pas(G(15)), HOSTSIM_PAS_ROOT);
	assert_int_equal(hostsim_gpt_pas(G(16)), HOSTSIM_PAS_NS);
	assert_int_equal(hostsim_gpt_pas(HOSTSIM_DEFAULT_DRAM_SIZE - 1), HOSTSIM_PAS_NS);
	hostsim_hw_stop();

	struct hostsim_config zero = { 0 };
	assert_int_equal(hostsim_hw_start(&zero), 0);
	assert_int_equal(plat_dram_size(), HOSTSIM_DEFAULT_DRAM_SIZE);
}

static void bad_configs_are_refused(void **state)
{
	(void)state;
	const struct hostsim_config bad[] = {
		{ .dram_size = G(64) + 1 },                       /* not a granule multiple */
		{ .dram_size = G(16), .root_granules = 0 },       /* default 16 Root leaves none */
		{ .dram_size = G(8), .root_granules = 8 },        /* all Root */
		{ .dram_size = G(8), .root_granules = 100 },
		{ .dram_size = HOSTSIM_MAX_DRAM_SIZE + G(1) },    /* too large */
		{ .dram_size = UINT64_MAX & ~(PLAT_GRANULE_SIZE - 1) },
		{ .tlb_entries = HOSTSIM_MIN_TLB_ENTRIES - 1 },    /* an instruction could never finish */
		{ .tlb_entries = HOSTSIM_MAX_TLB_ENTRIES + 1 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hostsim_hw_start(&bad[i]), -EINVAL);
		assert_int_equal(plat_dram_size(), 0);
	}
	/* Smallest machine: one Root, one NS granule. */
	struct hostsim_config tiny = { .dram_size = G(2), .root_granules = 1 };
	assert_int_equal(hostsim_hw_start(&tiny), 0);
	assert_int_equal(hostsim_host_alloc(), G(1));
	assert_int_equal(hostsim_host_alloc(), HOSTSIM_NO_PA);
}

static void second_start_is_busy(void **state)
{
	(void)state;
	test_hw_start(32, 4);
	struct hostsim_config cfg = { .dram_size = G(64) };
	assert_int_equal(hostsim_hw_start(&cfg), -EBUSY);
	assert_int_equal(plat_dram_size(), G(32)); /* the running machine is untouched */
}

static void start_stop_start_gives_a_fresh_machine(void **state)
{
	(void)state;
	struct smc_regs r;

	for (int round = 0; round < 3; round++) {
		test_hw_start(32 + 8 * round, 4);
		assert_int_equal(plat_dram_size(), G(32 + 8 * round));
		assert_int_equal(hostsim_gpf_count(), 0);
		/* Fresh GPT: last round's delegation is gone. */
		assert_int_equal(hostsim_gpt_pas(G(10)), HOSTSIM_PAS_NS);
		assert_false(hostsim_el3_boot_completed());
		/* Fresh DRAM. */
		uint8_t b = 1;
		assert_true(hostsim_host_read(G(11), &b, 1));
		assert_int_equal(b, 0);
		assert_true(hostsim_host_write(G(11), "x", 1));
		/* Fresh allocator. */
		assert_int_equal(hostsim_host_alloc(), G(4));

		r = (struct smc_regs){ .x = { RMM_GTSI_DELEGATE, G(10) } };
		plat_el3_smc(&r);
		assert_int_equal(r.x[0], E_RMM_OK);
		assert_false(hostsim_host_read(G(10), &b, 1));
		r = (struct smc_regs){ .x = { RMM_BOOT_COMPLETE, 0 } };
		plat_el3_smc(&r);
		hostsim_hw_stop();
		assert_int_equal(plat_dram_size(), 0);
		assert_null(hostsim_host_va(0));
	}
	hostsim_hw_stop(); /* stopping twice is harmless */
}

static int count_windows(void)
{
	/* The table is full when every slot is taken: add until it refuses. */
	static struct hostsim_fault_window probe[HOSTSIM_FAULT_WINDOWS_MAX];
	int n = 0;
	while (n < HOSTSIM_FAULT_WINDOWS_MAX && hostsim_fault_window_add(&probe[n]) == 0)
		n++;
	for (int i = 0; i < n; i++)
		hostsim_fault_window_remove(&probe[i]);
	return HOSTSIM_FAULT_WINDOWS_MAX - n;
}

static void stop_releases_fault_windows_and_handler(void **state)
{
	(void)state;
	struct sigaction before, during, after;

	assert_int_equal(count_windows(), 0);
	sigaction(SIGSEGV, NULL, &before);
	test_hw_start(32, 4);
	assert_int_equal(count_windows(), 2); /* monitor view and host window */
	sigaction(SIGSEGV, NULL, &during);
	assert_true(during.sa_flags & SA_SIGINFO);
	assert_ptr_not_equal(during.sa_sigaction, before.sa_sigaction);
	hostsim_hw_stop();
	assert_int_equal(count_windows(), 0);
	sigaction(SIGSEGV, NULL, &after);
	assert_ptr_equal((void *)after.sa_handler, (void *)before.sa_handler);
}

static void full_window_table_fails_start_cleanly(void **state)
{
	(void)state;
	static struct hostsim_fault_window filler[HOSTSIM_FAULT_WINDOWS_MAX];
	int n = 0;

	/* Leave one slot: the second window cannot be registered. */
	while (n < HOSTSIM_FAULT_WINDOWS_MAX - 1)
		assert_int_equal(hostsim_fault_window_add(&filler[n++]), 0);
	struct hostsim_config cfg = { .dram_size = G(32), .root_granules = 4 };
	assert_int_equal(hostsim_hw_start(&cfg), -ENOSPC);
	assert_int_equal(plat_dram_size(), 0);
	assert_int_equal(count_windows(), HOSTSIM_FAULT_WINDOWS_MAX - 1); /* none leaked */
	hostsim_fault_window_remove(&filler[--n]);
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	hostsim_hw_stop();
	while (n > 0)
		hostsim_fault_window_remove(&filler[--n]);
	assert_int_equal(count_windows(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(defaults_are_one_gib_and_sixteen_root, test_hw_stop),
		cmocka_unit_test_teardown(bad_configs_are_refused, test_hw_stop),
		cmocka_unit_test_teardown(second_start_is_busy, test_hw_stop),
		cmocka_unit_test_teardown(start_stop_start_gives_a_fresh_machine, test_hw_stop),
		cmocka_unit_test_teardown(stop_releases_fault_windows_and_handler, test_hw_stop),
		cmocka_unit_test_teardown(full_window_table_fails_start_cleanly, test_hw_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
