/*
 * A realm's IPA window against invalidation, without the monitor: the test
 * writes a tiny RTT (level 2 root, one level 3 table, one page) into Realm
 * granules itself and drives hostsim_realm_map() (a TLB fill) and
 * hostsim_realm_invalidate() (a TLBI) from two threads.
 *
 * The property: once an invalidation of an IPA returns, the window holds no
 * mapping made from a walk older than it. Other CPUs of the realm share the
 * window, so a stale mapping that lingers even briefly lets their stores land
 * in a granule the monitor already took away (and then scrubs, undelegates or
 * hands to another realm). mincore() tells whether the window page is backed
 * by DRAM (resident memfd page) or is the empty reservation.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define ROOT_GRANULES 4u
#define GRANULES      32u
#define VMID          7u
#define ITERATIONS    10000u
#define FILLERS       2u

#define DESC_TABLE (UINT64_C(3))
#define DESC_PAGE  (UINT64_C(3) | (UINT64_C(3) << 6) | (UINT64_C(1) << 10)) /* RW, AF */

struct fixture {
	struct plat_s2 s2;
	uint64_t *l3_entry;      /* the page's descriptor, in DRAM */
	uint64_t page_desc;
	struct hostsim_realm *realm;
	_Atomic bool stop;
};

static uint64_t realm_granule(unsigned n)
{
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(n)), E_RMM_OK);
	return G(n);
}

static void fixture_init(struct fixture *f)
{
	const char *why = NULL;

	test_hw_start(GRANULES, ROOT_GRANULES);
	uint64_t l2 = realm_granule(ROOT_GRANULES);
	uint64_t l3 = realm_granule(ROOT_GRANULES + 1);
	uint64_t page = realm_granule(ROOT_GRANULES + 2);
	memset(hostsim_dram_monitor_ptr(page), 0x5a, PLAT_GRANULE_SIZE); /* resident */
	((uint64_t *)hostsim_dram_monitor_ptr(l2))[0] = l3 | DESC_TABLE;
	f->l3_entry = (uint64_t *)hostsim_dram_monitor_ptr(l3);
	f->page_desc = page | DESC_PAGE;
	f->s2 = (struct plat_s2){ .rtt_base = l2, .vmid = VMID, .ipa_bits = 30,
				  .level_start = 2, .num_root_rtts = 1 };
	f->realm = hostsim_realm_acquire(&f->s2, &why);
	assert_non_null(f->realm);
	atomic_store(&f->stop, false);
}

static bool window_page_backed(struct fixture *f)
{
	unsigned char vec = 0;

	assert_int_equal(mincore(f->realm->window, PLAT_GRANULE_SIZE, &vec), 0);
	return (vec & 1) != 0;
}

static void *filler(void *arg)
{
	struct fixture *f = arg;

	while (!atomic_load(&f->stop))
		(void)hostsim_realm_map(f->realm, 0, true);
	return NULL;
}

/* Sanity: a fill maps the page, a TLBI unmaps it, a fill of an invalid
 * descriptor maps nothing and reports a level 3 translation fault. */
static void test_fill_and_invalidate(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	__atomic_store_n(f.l3_entry, f.page_desc, __ATOMIC_RELEASE);
	assert_int_equal(hostsim_realm_map(f.realm, 0, true), 0);
	assert_true(window_page_backed(&f));
	hostsim_realm_invalidate(VMID, 0, PLAT_GRANULE_SIZE);
	assert_false(window_page_backed(&f));
	__atomic_store_n(f.l3_entry, 0, __ATOMIC_RELEASE);
	assert_int_equal(hostsim_realm_map(f.realm, 0, true), HOSTSIM_DFSC_TRANSLATION(3));
	assert_false(window_page_backed(&f));
	hostsim_realm_release(f.realm);
}

/* A fill racing with "unmap, TLBI": after the TLBI returns the window must
 * be empty until the descriptor is valid again. */
static void test_no_stale_mapping_after_invalidate(void **state)
{
	struct fixture f;
	pthread_t t[FILLERS];
	unsigned stale = 0;

	(void)state;
	fixture_init(&f);
	__atomic_store_n(f.l3_entry, f.page_desc, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < FILLERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, filler, &f), 0);
	for (unsigned i = 0; i < ITERATIONS; i++) {
		__atomic_store_n(f.l3_entry, 0, __ATOMIC_RELEASE);
		hostsim_realm_invalidate(VMID, 0, PLAT_GRANULE_SIZE);
		for (unsigned k = 0; k < 64; k++)
			stale += window_page_backed(&f);
		__atomic_store_n(f.l3_entry, f.page_desc, __ATOMIC_RELEASE);
	}
	atomic_store(&f.stop, true);
	for (unsigned i = 0; i < FILLERS; i++)
		pthread_join(t[i], NULL);
	hostsim_realm_release(f.realm);
	if (stale)
		print_error("%u stale window mappings seen after a TLBI returned\n", stale);
	assert_int_equal(stale, 0);
}

/* A realm window over an RTT of `pages` pages at IPA 0.., page i backed by
 * granule first + i (contiguous) or first + pages - 1 - i (reversed, so no
 * two neighbours continue each other), on a machine with tlb_entries. */
#define RUN_PAGES 32u
static struct hostsim_realm *window_over_pages(bool contiguous, unsigned tlb_entries)
{
	struct hostsim_config cfg = { .dram_size = G(64), .root_granules = ROOT_GRANULES,
				      .tlb_entries = tlb_entries };
	const char *why = NULL;

	assert_int_equal(hostsim_hw_start(&cfg), 0);
	uint64_t l2 = realm_granule(ROOT_GRANULES);
	uint64_t l3 = realm_granule(ROOT_GRANULES + 1);
	unsigned first = ROOT_GRANULES + 2;
	((uint64_t *)hostsim_dram_monitor_ptr(l2))[0] = l3 | DESC_TABLE;
	for (unsigned i = 0; i < RUN_PAGES; i++) {
		uint64_t pa = realm_granule(first + (contiguous ? i : RUN_PAGES - 1 - i));
		((uint64_t *)hostsim_dram_monitor_ptr(l3))[i] = pa | DESC_PAGE;
	}
	struct plat_s2 s2 = { .rtt_base = l2, .vmid = VMID, .ipa_bits = 30,
			      .level_start = 2, .num_root_rtts = 1 };
	struct hostsim_realm *r = hostsim_realm_acquire(&s2, &why);
	assert_non_null(r);
	return r;
}

/* Window pages of [0, RUN_PAGES) backed by DRAM, as a bit mask. */
static uint64_t backed_pages(struct hostsim_realm *r)
{
	unsigned char vec[RUN_PAGES];
	uint64_t mask = 0;

	assert_int_equal(mincore(r->window, RUN_PAGES * PLAT_GRANULE_SIZE, vec), 0);
	for (unsigned i = 0; i < RUN_PAGES; i++)
		if (vec[i] & 1)
			mask |= UINT64_C(1) << i;
	return mask;
}

/* With 4 entries, filling 32 scattered pages keeps only the 4 newest:
 * the window's mappings stay bounded whatever the realm touches, and every
 * fill still succeeds. */
static void test_tlb_evicts_the_oldest_fill(void **state)
{
	(void)state;
	struct hostsim_realm *r = window_over_pages(false, 4);

	for (unsigned i = 0; i < RUN_PAGES; i++) {
		assert_int_equal(hostsim_realm_map(r, (uint64_t)i * PLAT_GRANULE_SIZE, i & 1), 0);
		assert_true(__builtin_popcountll(backed_pages(r)) <= 4);
		assert_true(backed_pages(r) & (UINT64_C(1) << i));
	}
	assert_int_equal(backed_pages(r), UINT64_C(0xf) << (RUN_PAGES - 4));
	/* Touched again in the other order: still at most four, still mapped. */
	for (unsigned i = RUN_PAGES; i-- > 0;) {
		assert_int_equal(hostsim_realm_map(r, (uint64_t)i * PLAT_GRANULE_SIZE, false), 0);
		assert_true(__builtin_popcountll(backed_pages(r)) <= 4);
	}
	hostsim_realm_release(r);
}

/* Pages whose outputs continue each other fill as one run, and a TLBI of
 * any page of it drops the whole fill (never a piece of it). */
static void test_fill_covers_a_contiguous_run(void **state)
{
	(void)state;
	struct hostsim_realm *r = window_over_pages(true, 4);
	uint64_t all = (UINT64_C(1) << RUN_PAGES) - 1;

	assert_int_equal(hostsim_realm_map(r, 5 * PLAT_GRANULE_SIZE, true), 0);
	assert_int_equal(backed_pages(r), all);
	hostsim_realm_invalidate(VMID, 10 * PLAT_GRANULE_SIZE, PLAT_GRANULE_SIZE);
	assert_int_equal(backed_pages(r), 0);
	assert_int_equal(hostsim_realm_map(r, 31 * PLAT_GRANULE_SIZE, false), 0);
	assert_int_equal(backed_pages(r), all);
	hostsim_realm_invalidate(VMID, 0, UINT64_MAX);
	assert_int_equal(backed_pages(r), 0);
	hostsim_realm_release(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fill_and_invalidate, test_hw_stop),
		cmocka_unit_test_teardown(test_no_stale_mapping_after_invalidate, test_hw_stop),
		cmocka_unit_test_teardown(test_tlb_evicts_the_oldest_fill, test_hw_stop),
		cmocka_unit_test_teardown(test_fill_covers_a_contiguous_run, test_hw_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
