/* The host window at VA == PA (hostsim_config.host_va_is_pa): a PA is the
 * host's pointer, and the window keeps the GPT's rules and its bounded TLB. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define GRANULES 4096u
#define ROOT     16u
#define TLB      8u

static const struct hostsim_config cfg = {
	.dram_size = G(GRANULES), .root_granules = ROOT, .tlb_entries = TLB, .host_va_is_pa = true,
};

static void pa_is_the_host_pointer(void **state)
{
	(void)state;
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	for (uint64_t g = ROOT; g < GRANULES; g += 311)
		assert_ptr_equal(hostsim_host_va(G(g) + 5), (void *)(uintptr_t)(G(g) + 5));
	assert_null(hostsim_host_va(G(GRANULES)));

	/* A store through the PA is what the monitor and the checked copies see. */
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)G(100);
	p[7] = 0x5a;
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(100)))[7], 0x5a);
	uint8_t got = 0;
	assert_true(hostsim_host_read(G(100) + 7, &got, 1));
	assert_int_equal(got, 0x5a);
	assert_true(hostsim_host_write(G(101), "ok", 2));
	assert_int_equal(((volatile char *)(uintptr_t)G(101))[1], 'k');
}

/* Still a TLB of NS granules opened on demand: touching every granule keeps
 * at most TLB of them open. */
static void window_stays_a_bounded_tlb(void **state)
{
	(void)state;
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	for (uint64_t g = ROOT; g < GRANULES; g++) {
		volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)G(g);
		*p = (uint8_t)g;
		assert_true(hostsim_dram_host_open_granules() <= TLB);
	}
	for (uint64_t g = ROOT; g < GRANULES; g += 97)
		assert_int_equal(*(volatile uint8_t *)(uintptr_t)G(g), (uint8_t)g);
}

/* Delegation closes the granule in the window like anywhere else. */
static void delegated_granule_refuses_copies(void **state)
{
	(void)state;
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	(void)*(volatile uint8_t *)(uintptr_t)G(30);
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(30)), E_RMM_OK);
	assert_false(hostsim_host_write(G(30), "x", 1));
	assert_false(hostsim_host_read(G(30), &(uint8_t){ 0 }, 1));
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, G(30)), E_RMM_OK);
	assert_true(hostsim_host_write(G(30), "x", 1));
}

static void touch_realm_granule(void *arg)
{
	(void)arg;
	if (hostsim_hw_start(&cfg) != 0)
		_exit(1);
	*(volatile uint8_t *)(uintptr_t)G(40) = 1; /* opens it */
	el3_call(RMM_GTSI_DELEGATE, G(40));
	*(volatile uint8_t *)(uintptr_t)G(40) = 2; /* must be a GPF */
	_exit(0);
}

static void touch_never_opened_realm_granule(void *arg)
{
	(void)arg;
	if (hostsim_hw_start(&cfg) != 0)
		_exit(1);
	el3_call(RMM_GTSI_DELEGATE, G(41));
	(void)*(volatile uint8_t *)(uintptr_t)G(41);
	_exit(0);
}

static void touch_root_granule(void *arg)
{
	(void)arg;
	if (hostsim_hw_start(&cfg) != 0)
		_exit(1);
	(void)*(volatile uint8_t *)(uintptr_t)G(ROOT - 1);
	_exit(0);
}

static void realm_and_root_granules_fault(void **state)
{
	(void)state;
	assert_true(death_test(touch_realm_granule, NULL, SIGABRT,
			       "granule protection fault: host access to PA 0x28000 (PAS REALM)"));
	assert_true(death_test(touch_never_opened_realm_granule, NULL, SIGABRT,
			       "granule protection fault: host access to PA 0x29000 (PAS REALM)"));
	assert_true(death_test(touch_root_granule, NULL, SIGABRT,
			       "granule protection fault: host access to PA 0xf000 (PAS ROOT)"));
}

/* The window's place must be free: a machine does not start while a mapping
 * of the program's own lies in it, says why, and leaves nothing behind. */
static void occupied_range_is_refused(void **state)
{
	(void)state;
	void *want = (void *)(uintptr_t)G(ROOT + 10);
	void *mine = mmap(want, G(1), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	assert_ptr_equal(mine, want);
	assert_int_equal(hostsim_hw_start(&cfg), -EEXIST);
	assert_int_equal(munmap(mine, G(1)), 0);
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	hostsim_hw_stop();
	assert_int_equal(hostsim_hw_start(&cfg), 0); /* stop released the range */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(pa_is_the_host_pointer, test_hw_stop),
		cmocka_unit_test_teardown(window_stays_a_bounded_tlb, test_hw_stop),
		cmocka_unit_test_teardown(delegated_granule_refuses_copies, test_hw_stop),
		cmocka_unit_test(realm_and_root_granules_fault),
		cmocka_unit_test_teardown(occupied_range_is_refused, test_hw_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
