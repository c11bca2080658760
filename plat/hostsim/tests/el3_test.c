/* The GPT and the EL3 services that alone change it. */
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "test_support.h"
#include "hostsim_internal.h"

#define GRANULES  64u
#define DRAM_SIZE G(GRANULES)
#define ROOT      4u

static void gpt_starts_ns_except_root(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	for (unsigned g = 0; g < GRANULES; g++)
		assert_int_equal(hostsim_gpt_pas(G(g)), g < ROOT ? HOSTSIM_PAS_ROOT : HOSTSIM_PAS_NS);
	assert_int_equal(hostsim_gpt_pas(DRAM_SIZE), HOSTSIM_PAS_NONE);
	assert_int_equal(hostsim_gpt_pas(UINT64_MAX), HOSTSIM_PAS_NONE);
	assert_int_equal(plat_dram_base(), 0);
	assert_int_equal(plat_dram_size(), DRAM_SIZE);
}

static void delegate_flips_pas_and_zeroes(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = G(10);
	uint8_t pattern[PLAT_GRANULE_SIZE];

	memset(pattern, 0xa5, sizeof(pattern));
	assert_true(hostsim_host_write(pa, pattern, sizeof(pattern)));
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(pa))[100], 0xa5);

	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, pa), E_RMM_OK);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_REALM);
	const uint8_t *view = hostsim_monitor_view(pa);
	for (size_t i = 0; i < PLAT_GRANULE_SIZE; i++)
		assert_int_equal(view[i], 0);
	/* Neighbours untouched. */
	assert_int_equal(hostsim_gpt_pas(G(9)), HOSTSIM_PAS_NS);
	assert_int_equal(hostsim_gpt_pas(G(11)), HOSTSIM_PAS_NS);
}

static void delegate_twice_is_bad_pas(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(12)), E_RMM_OK);
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(12)), E_RMM_BAD_PAS);
	assert_int_equal(hostsim_gpt_pas(G(12)), HOSTSIM_PAS_REALM);
}

static void undelegate_restores_access(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = G(20);
	uint8_t byte = 0x11, got = 0;

	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, pa), E_RMM_OK);
	assert_false(hostsim_host_write(pa, &byte, 1));
	/* The monitor scribbles, then scrubs before undelegating. */
	memset(plat_granule_map(pa), 0, PLAT_GRANULE_SIZE);
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, pa), E_RMM_OK);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
	assert_true(hostsim_host_write(pa, &byte, 1));
	assert_true(hostsim_host_read(pa, &got, 1));
	assert_int_equal(got, 0x11);
	/* Through the raw window too, without a guard. */
	assert_int_equal(*(volatile uint8_t *)hostsim_host_va(pa), 0x11);
}

/* Host mappings (VMAs) the process has: lines of /proc/self/maps. */
static unsigned process_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned n = 0;
	int c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Alternate granules of 1 GiB (131072 of them, twice vm.max_map_count's
 * default) delegated, then undelegated: every call succeeds, and the host
 * mappings the machine holds stay bounded whatever the pattern. */
static void delegating_alternate_granules_of_all_dram(void **state)
{
	(void)state;
	struct hostsim_config cfg = { .dram_size = UINT64_C(1) << 30, .root_granules = ROOT };
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	uint64_t granules = cfg.dram_size >> PLAT_GRANULE_SHIFT;
	unsigned before = process_mappings();

	for (uint64_t g = ROOT; g < granules; g += 2)
		assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(g)), E_RMM_OK);
	assert_true(process_mappings() < before + 64);
	for (uint64_t g = ROOT; g < granules; g += 2)
		assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, G(g)), E_RMM_OK);
	for (uint64_t g = ROOT; g < granules; g++)
		assert_int_equal(hostsim_gpt_pas(G(g)), HOSTSIM_PAS_NS);
}

/* The host window opens NS granules on demand, at most tlb_entries at a
 * time: a host touching many granules through raw pointers evicts the oldest
 * and keeps working, and a granule delegated while open is closed again
 * (the access after it is a GPF, checked by the death test below). */
static void host_window_is_a_bounded_tlb(void **state)
{
	(void)state;
	struct hostsim_config cfg = { .dram_size = G(4096), .root_granules = ROOT, .tlb_entries = 8 };
	assert_int_equal(hostsim_hw_start(&cfg), 0);
	unsigned before = process_mappings();

	for (unsigned round = 0; round < 2; round++) {
		for (uint64_t g = ROOT + round; g < 4096; g += 2) {
			volatile uint8_t *p = hostsim_host_va(G(g));
			*p = (uint8_t)g;
			assert_int_equal(*p, (uint8_t)g);
			assert_true(hostsim_dram_host_open_granules() <= 8);
		}
	}
	assert_true(process_mappings() <= before + 2 * 8 + 1);
	for (uint64_t g = ROOT; g < 4096; g += 97) {
		uint8_t got;
		assert_true(hostsim_host_read(G(g), &got, 1));
		assert_int_equal(got, (uint8_t)g);
	}
	/* Open, then delegated: closed again (a raw access is the death test's). */
	(void)*(volatile uint8_t *)hostsim_host_va(G(30));
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(30)), E_RMM_OK);
	assert_false(hostsim_host_write(G(30), "x", 1));
}

static void touch_delegated_after_open(void *arg)
{
	(void)arg;
	struct hostsim_config cfg = { .dram_size = G(64), .root_granules = ROOT, .tlb_entries = 4 };
	if (hostsim_hw_start(&cfg) != 0)
		_exit(1);
	*(volatile uint8_t *)hostsim_host_va(G(10)) = 1; /* opens it */
	el3_call(RMM_GTSI_DELEGATE, G(10));
	*(volatile uint8_t *)hostsim_host_va(G(10)) = 2; /* must be a GPF */
	_exit(0);
}

static void open_granule_delegated_is_closed(void **state)
{
	(void)state;
	assert_true(death_test(touch_delegated_after_open, NULL, SIGABRT,
			       "granule protection fault"));
}

static void undelegate_of_ns_or_root_is_bad_pas(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, G(30)), E_RMM_BAD_PAS);
	assert_int_equal(hostsim_gpt_pas(G(30)), HOSTSIM_PAS_NS);
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, G(1)), E_RMM_BAD_PAS);
	assert_int_equal(hostsim_gpt_pas(G(1)), HOSTSIM_PAS_ROOT);
}

static void root_cannot_be_delegated(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	for (unsigned g = 0; g < ROOT; g++) {
		assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(g)), E_RMM_BAD_PAS);
		assert_int_equal(hostsim_gpt_pas(G(g)), HOSTSIM_PAS_ROOT);
	}
}

static void bad_addresses_are_refused(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	const uint64_t bad[] = { G(10) + 1, G(10) + 0x800, DRAM_SIZE, DRAM_SIZE + G(1),
				 UINT64_MAX & ~(PLAT_GRANULE_SIZE - 1), UINT64_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(el3_call(RMM_GTSI_DELEGATE, bad[i]), E_RMM_BAD_ADDR);
		assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, bad[i]), E_RMM_BAD_ADDR);
	}
	assert_int_equal(hostsim_gpt_pas(G(10)), HOSTSIM_PAS_NS);
}

static void sve_hint_bit_is_ignored(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE | SMC_FID_SVE_HINT, G(40)), E_RMM_OK);
	assert_int_equal(hostsim_gpt_pas(G(40)), HOSTSIM_PAS_REALM);
}

static void unknown_services_refused(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	/* The RAK's private key stays in EL3 (plat_rak_sign signs instead). */
	assert_int_equal(el3_call(RMM_GET_REALM_ATTEST_KEY, 0), E_RMM_UNK);
	/* GET_PLAT_TOKEN is offered (tests/attest_el3_test.c); no buffer here. */
	assert_int_equal(el3_call(RMM_GET_PLAT_TOKEN, 0), E_RMM_BAD_ADDR);
	assert_int_equal(el3_call(SMC64_STD_FID(0x1C0), 0), E_RMM_UNK);
	assert_int_equal(el3_call(0, 0), E_RMM_UNK);
}

static void boot_complete_once(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_false(hostsim_el3_boot_completed());
	/* A failed boot is reported but leaves the RMI closed. */
	assert_int_equal(el3_call(RMM_BOOT_COMPLETE, 5), E_RMM_OK);
	assert_false(hostsim_el3_boot_completed());
	assert_int_equal(el3_call(RMM_BOOT_COMPLETE, 0), E_RMM_OK);
	assert_true(hostsim_el3_boot_completed());
	assert_int_equal(el3_call(RMM_BOOT_COMPLETE, 0), E_RMM_INVAL);
	assert_true(hostsim_el3_boot_completed());
}

static void granule_map_rules(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_non_null(plat_granule_map(G(ROOT)));
	assert_ptr_equal(plat_granule_map(G(ROOT)), hostsim_monitor_view(G(ROOT)));
	assert_null(plat_granule_map(G(0)));            /* Root */
	assert_null(plat_granule_map(G(ROOT - 1)));     /* Root */
	assert_null(plat_granule_map(G(ROOT) + 8));     /* unaligned */
	assert_null(plat_granule_map(DRAM_SIZE));       /* outside */
	assert_null(plat_granule_map(UINT64_MAX & ~(PLAT_GRANULE_SIZE - 1)));
	assert_null(hostsim_monitor_view(G(0)));
	assert_null(hostsim_monitor_view(DRAM_SIZE));
	assert_non_null(hostsim_monitor_view(G(ROOT) + 8));
	/* A delegated granule stays mapped for the monitor. */
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(50)), E_RMM_OK);
	uint8_t *p = plat_granule_map(G(50));
	assert_non_null(p);
	p[0] = 7;
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(50)))[0], 7);
	plat_granule_unmap(p);
	assert_null(hostsim_host_va(DRAM_SIZE));
	assert_non_null(hostsim_host_va(DRAM_SIZE - 1));
}

static void monitor_touches_root(void *arg)
{
	(void)arg;
	/* plat_granule_map refuses Root; a monitor computing the address itself
	 * still faults, as the GPC would stop it. */
	const volatile uint8_t *root = (const volatile uint8_t *)hostsim_monitor_view(G(ROOT)) - 1;
	(void)*root;
}

static void monitor_access_to_root_is_fatal(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	assert_true(death_test(monitor_touches_root, NULL, SIGABRT,
			       "hostsim: granule protection fault: monitor access to PA 0x3fff (PAS ROOT)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(gpt_starts_ns_except_root, test_hw_stop),
		cmocka_unit_test_teardown(delegate_flips_pas_and_zeroes, test_hw_stop),
		cmocka_unit_test_teardown(delegate_twice_is_bad_pas, test_hw_stop),
		cmocka_unit_test_teardown(undelegate_restores_access, test_hw_stop),
		cmocka_unit_test_teardown(undelegate_of_ns_or_root_is_bad_pas, test_hw_stop),
		cmocka_unit_test_teardown(delegating_alternate_granules_of_all_dram, test_hw_stop),
		cmocka_unit_test_teardown(host_window_is_a_bounded_tlb, test_hw_stop),
		cmocka_unit_test(open_granule_delegated_is_closed),
		cmocka_unit_test_teardown(root_cannot_be_delegated, test_hw_stop),
		cmocka_unit_test_teardown(bad_addresses_are_refused, test_hw_stop),
		cmocka_unit_test_teardown(sve_hint_bit_is_ignored, test_hw_stop),
		cmocka_unit_test_teardown(unknown_services_refused, test_hw_stop),
		cmocka_unit_test_teardown(boot_complete_once, test_hw_stop),
		cmocka_unit_test_teardown(granule_map_rules, test_hw_stop),
		cmocka_unit_test_teardown(monitor_access_to_root_is_fatal, test_hw_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
